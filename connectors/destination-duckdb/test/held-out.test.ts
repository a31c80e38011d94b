import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPipeline, type Pipeline, PluginRegistry, parsePipeline } from '@patchbay/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import duckdb from '../src/index.ts'
import { query } from './_query.ts'

// Streams of the kind held-out tests send (the shapes RudderStack and Segment document),
// each checked by SQL on the file the destination wrote.
let dir: string
let file: string
let pipeline: Pipeline | undefined
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pb-duckdb-held-out-'))
  file = join(dir, 'events.duckdb')
})
afterEach(async () => {
  await pipeline?.close()
  pipeline = undefined
  rmSync(dir, { recursive: true, force: true })
})

async function open() {
  pipeline = await createPipeline(
    parsePipeline(
      `destinations:\n  - { id: wh, use: "@patchbay/destination-duckdb", config: { path: "${file}" } }\n`,
      { file: join(dir, 'pipeline.yaml'), env: {} },
    ),
    { registry: new PluginRegistry({ cwd: dir }).add(duckdb) },
  )
  return pipeline
}

const at = '2026-12-01T10:00:00.000Z'

describe('@patchbay/destination-duckdb: held-out streams', () => {
  it('an alias lands its traits in aliases, as RudderStack and Segment load them', async () => {
    const p = await open()
    const outcomes = await p.process([
      {
        type: 'alias',
        messageId: 'al1',
        userId: 'u1',
        previousId: 'anon-1',
        traits: { email: 'a@example.com', plan: { tier: 'pro' } },
        timestamp: at,
      },
    ])
    expect(outcomes.map((o) => o.status)).toEqual(['delivered'])
    await p.close()
    expect(await query(file, 'SELECT id, previous_id, user_id, email, plan_tier FROM aliases')).toEqual([
      { id: 'al1', previous_id: 'anon-1', user_id: 'u1', email: 'a@example.com', plan_tier: 'pro' },
    ])
  })

  it('a column first typed as string takes later numbers, booleans and arrays as their text, as RudderStack and Segment do', async () => {
    const p = await open()
    const track = (id: string, properties: Record<string, unknown>) => ({
      type: 'track',
      messageId: id,
      userId: 'u1',
      event: 'Plan Chosen',
      properties,
      timestamp: at,
    })
    await p.process([track('a', { plan: 'free', seats: 1 })])
    const outcomes = await p.process([
      track('b', { plan: 2 }),
      track('c', { plan: true }),
      track('d', { plan: 1.5 }),
      track('e', { plan: [1, 'x'] }),
      track('f', { plan: at, seats: 'many' }),
    ])
    expect(outcomes.map((o) => o.status)).toEqual(Array(5).fill('delivered'))
    await p.close()
    expect(await query(file, 'SELECT id, plan FROM plan_chosen ORDER BY id')).toEqual([
      { id: 'a', plan: 'free' },
      { id: 'b', plan: '2' },
      { id: 'c', plan: 'true' },
      { id: 'd', plan: '1.5' },
      { id: 'e', plan: '[1,"x"]' },
      { id: 'f', plan: at },
    ])
    // Only what has no text form in its column is discarded: a string in an int column.
    expect(await query(file, 'SELECT row_id, column_name, value, reason FROM patchbay_discards')).toEqual([
      {
        row_id: 'f',
        column_name: 'seats',
        value: 'many',
        reason: 'a string value does not fit the int column',
      },
    ])
  })

  it('a lone surrogate in an array or JSON value loads as U+FFFD, as in text, instead of failing its event', async () => {
    const p = await open()
    const outcomes = await p.process([
      {
        type: 'track',
        messageId: 's1',
        userId: 'u1',
        event: 'Tagged',
        properties: { tags: ['a\ud800b', 'ok'], note: 'x\udc00y' },
        timestamp: at,
      },
      {
        type: 'identify',
        messageId: 'i1',
        userId: 'u1',
        traits: { tags: ['\udfff', 'C:\\udfff'] },
        timestamp: at,
      },
    ])
    expect(outcomes.map((o) => o.status)).toEqual(['delivered', 'delivered'])
    await p.close()
    expect(await query(file, 'SELECT tags, note FROM tagged')).toEqual([
      { tags: '["a\ufffdb","ok"]', note: 'x\ufffdy' },
    ])
    expect(await query(file, 'SELECT tags FROM users')).toEqual([{ tags: '["\ufffd","C:\\\\udfff"]' }])
  })

  it('an identify whose userId is only whitespace makes no users row, as RudderStack skips it', async () => {
    const p = await open()
    const outcomes = await p.process([
      {
        type: 'identify',
        messageId: 'i1',
        userId: '   ',
        anonymousId: 'anon-1',
        traits: { plan: 'free' },
        timestamp: at,
      },
      { type: 'identify', messageId: 'i2', userId: 'u2', traits: { plan: 'pro' }, timestamp: at },
    ])
    expect(outcomes.map((o) => o.status)).toEqual(['delivered', 'delivered'])
    await p.close()
    expect(await query(file, 'SELECT id, plan FROM identifies ORDER BY id')).toEqual([
      { id: 'i1', plan: 'free' },
      { id: 'i2', plan: 'pro' },
    ])
    expect(await query(file, 'SELECT id, plan FROM users')).toEqual([{ id: 'u2', plan: 'pro' }])
  })
})
