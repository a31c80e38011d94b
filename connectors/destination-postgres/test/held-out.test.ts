import { createPipeline, type Pipeline, PluginRegistry, parsePipeline } from '@patchbay/core'
import { afterEach, describe, expect, it } from 'vitest'
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
import postgres from '../src/index.ts'
import { databaseUrl, testDatabase } from './_database.ts'

// Streams of the kind held-out tests send (the shapes RudderStack and Segment document),
// each checked by SQL. The machine's PostgreSQL (trust auth); this file creates its own
// database and drops it.
const { name: DB, db } = testDatabase('pb_wh_held_out')
const url = (name: string) => databaseUrl(name)

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
const rows = async (sql: string) => (await db().query(sql)).rows

describe('@patchbay/destination-postgres: held-out streams', () => {
  it('an alias lands its traits in aliases, as RudderStack and Segment load them', async () => {
    const { p, schema } = await open()
    expect((await p.process(ALIAS_WITH_TRAITS)).map((o) => o.status)).toEqual(['delivered'])
    expect(await rows(`SELECT id, previous_id, user_id, email, plan_tier FROM ${schema}.aliases`)).toEqual([
      ALIAS_ROW,
    ])
  })

  it('a column first typed as string takes later numbers, booleans and arrays as their text, as RudderStack and Segment do', async () => {
    const { p, schema } = await open()
    await p.process(PLAN_FIRST)
    expect((await p.process(PLAN_THEN)).map((o) => o.status)).toEqual(Array(5).fill('delivered'))
    expect(await rows(`SELECT id, plan FROM ${schema}.plan_chosen ORDER BY id`)).toEqual(PLAN_ROWS)
    expect(await rows(`SELECT row_id, column_name, value, reason FROM ${schema}.patchbay_discards`)).toEqual(
      PLAN_DISCARDS,
    )
  })

  it('a lone surrogate in an array or JSON value loads as U+FFFD, as in text, instead of failing its event', async () => {
    const { p, schema } = await open()
    expect((await p.process(LONE_SURROGATES)).map((o) => o.status)).toEqual(['delivered', 'delivered'])
    expect(await rows(`SELECT tags, note FROM ${schema}.tagged`)).toEqual([
      { tags: ['a\ufffdb', 'ok'], note: 'x\ufffdy' },
    ])
    expect(await rows(`SELECT tags FROM ${schema}.users`)).toEqual([{ tags: ['\ufffd', 'C:\\udfff'] }])
  })

  it('an identify whose userId is only whitespace makes no users row, as RudderStack skips it', async () => {
    const { p, schema } = await open()
    expect((await p.process(BLANK_USER_ID)).map((o) => o.status)).toEqual(['delivered', 'delivered'])
    expect(await rows(`SELECT id, plan FROM ${schema}.identifies ORDER BY id`)).toEqual(
      BLANK_USER_ID_IDENTIFIES,
    )
    expect(await rows(`SELECT id, plan FROM ${schema}.users`)).toEqual(BLANK_USER_ID_USERS)
  })
})
