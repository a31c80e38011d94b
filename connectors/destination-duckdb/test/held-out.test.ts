import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPipeline, type Pipeline, PluginRegistry, parsePipeline } from '@patchbay/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  ALIAS_ROW,
  ALIAS_WITH_TRAITS,
  BLANK_USER_ID,
  BLANK_USER_ID_IDENTIFIES,
  BLANK_USER_ID_USERS,
  LONE_SURROGATES,
  PLAN_DISCARDS,
  PLAN_FIRST,
  PLAN_ROWS,
  PLAN_THEN,
} from '../../../test/_held-out-streams.ts'
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

describe('@patchbay/destination-duckdb: held-out streams', () => {
  it('an alias lands its traits in aliases, as RudderStack and Segment load them', async () => {
    const p = await open()
    expect((await p.process(ALIAS_WITH_TRAITS)).map((o) => o.status)).toEqual(['delivered'])
    await p.close()
    expect(await query(file, 'SELECT id, previous_id, user_id, email, plan_tier FROM aliases')).toEqual([
      ALIAS_ROW,
    ])
  })

  it('a column first typed as string takes later numbers, booleans and arrays as their text, as RudderStack and Segment do', async () => {
    const p = await open()
    await p.process(PLAN_FIRST)
    expect((await p.process(PLAN_THEN)).map((o) => o.status)).toEqual(Array(5).fill('delivered'))
    await p.close()
    expect(await query(file, 'SELECT id, plan FROM plan_chosen ORDER BY id')).toEqual(PLAN_ROWS)
    expect(await query(file, 'SELECT row_id, column_name, value, reason FROM patchbay_discards')).toEqual(
      PLAN_DISCARDS,
    )
  })

  it('a lone surrogate in an array or JSON value loads as U+FFFD, as in text, instead of failing its event', async () => {
    const p = await open()
    expect((await p.process(LONE_SURROGATES)).map((o) => o.status)).toEqual(['delivered', 'delivered'])
    await p.close()
    expect(await query(file, 'SELECT tags, note FROM tagged')).toEqual([
      { tags: '["a\ufffdb","ok"]', note: 'x\ufffdy' },
    ])
    expect(await query(file, 'SELECT tags FROM users')).toEqual([{ tags: '["\ufffd","C:\\\\udfff"]' }])
  })

  it('an identify whose userId is only whitespace makes no users row, as RudderStack skips it', async () => {
    const p = await open()
    expect((await p.process(BLANK_USER_ID)).map((o) => o.status)).toEqual(['delivered', 'delivered'])
    await p.close()
    expect(await query(file, 'SELECT id, plan FROM identifies ORDER BY id')).toEqual(BLANK_USER_ID_IDENTIFIES)
    expect(await query(file, 'SELECT id, plan FROM users')).toEqual(BLANK_USER_ID_USERS)
  })
})
