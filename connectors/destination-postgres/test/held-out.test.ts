import { createPipeline, type Pipeline, PluginRegistry, parsePipeline } from '@patchbay/core'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import postgres from '../src/index.ts'

// Streams of the kind held-out tests send (the shapes RudderStack and Segment document),
// each checked by SQL. The machine's PostgreSQL (trust auth); this file creates its own
// database and drops it.
const ADMIN = process.env.PATCHBAY_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test'
const DB = `pb_wh_held_out_${process.pid}`
const url = (db: string) => {
  const u = new URL(ADMIN)
  u.pathname = `/${db}`
  return u.toString()
}
let admin: pg.Client
let db: pg.Client
beforeAll(async () => {
  admin = new pg.Client({ connectionString: ADMIN })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${DB}`)
  await admin.query(`CREATE DATABASE ${DB}`)
  db = new pg.Client({ connectionString: url(DB) })
  await db.connect()
})
afterAll(async () => {
  await db?.end()
  await admin?.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
  await admin?.end()
})

let pipeline: Pipeline | undefined
let schemaN = 0
afterEach(async () => {
  await pipeline?.close()
  pipeline = undefined
})

async function open() {
  const schema = `h${++schemaN}`
  pipeline = await createPipeline(
    parsePipeline(
      `destinations:\n  - id: wh\n    use: "@patchbay/destination-postgres"\n    config: { connectionString: "${url(DB)}", schema: ${schema} }\n    delivery: { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } }\n`,
      { file: '/virtual/pipeline.yaml', env: {} },
    ),
    { registry: new PluginRegistry({ cwd: process.cwd() }).add(postgres) },
  )
  return { p: pipeline, schema }
}
const rows = async (sql: string) => (await db.query(sql)).rows

const at = '2026-12-01T10:00:00.000Z'

describe('@patchbay/destination-postgres: held-out streams', () => {
  it('an alias lands its traits in aliases, as RudderStack and Segment load them', async () => {
    const { p, schema } = await open()
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
    expect(await rows(`SELECT id, previous_id, user_id, email, plan_tier FROM ${schema}.aliases`)).toEqual([
      { id: 'al1', previous_id: 'anon-1', user_id: 'u1', email: 'a@example.com', plan_tier: 'pro' },
    ])
  })

  it('a column first typed as string takes later numbers, booleans and arrays as their text, as RudderStack and Segment do', async () => {
    const { p, schema } = await open()
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
    expect(await rows(`SELECT id, plan FROM ${schema}.plan_chosen ORDER BY id`)).toEqual([
      { id: 'a', plan: 'free' },
      { id: 'b', plan: '2' },
      { id: 'c', plan: 'true' },
      { id: 'd', plan: '1.5' },
      { id: 'e', plan: '[1,"x"]' },
      { id: 'f', plan: at },
    ])
    // Only what has no text form in its column is discarded: a string in an int column.
    expect(await rows(`SELECT row_id, column_name, value, reason FROM ${schema}.patchbay_discards`)).toEqual([
      {
        row_id: 'f',
        column_name: 'seats',
        value: 'many',
        reason: 'a string value does not fit the int column',
      },
    ])
  })

  it('a lone surrogate in an array or JSON value loads as U+FFFD, as in text, instead of failing its event', async () => {
    const { p, schema } = await open()
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
    expect(await rows(`SELECT tags, note FROM ${schema}.tagged`)).toEqual([
      { tags: ['a\ufffdb', 'ok'], note: 'x\ufffdy' },
    ])
    expect(await rows(`SELECT tags FROM ${schema}.users`)).toEqual([{ tags: ['\ufffd', 'C:\\udfff'] }])
  })

  it('an identify whose userId is only whitespace makes no users row, as RudderStack skips it', async () => {
    const { p, schema } = await open()
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
    expect(await rows(`SELECT id, plan FROM ${schema}.identifies ORDER BY id`)).toEqual([
      { id: 'i1', plan: 'free' },
      { id: 'i2', plan: 'pro' },
    ])
    expect(await rows(`SELECT id, plan FROM ${schema}.users`)).toEqual([{ id: 'u2', plan: 'pro' }])
  })
})
