import { createPipeline, type Pipeline, PluginRegistry, parsePipeline } from '@patchbay/core'
import { afterEach, expect, it } from 'vitest'
import postgres from '../src/index.ts'
import { databaseUrl, testDatabase } from './_database.ts'

// Regulations: deleteUsers removes a user's rows from every table the destination wrote
// (call tables, the event's own table, users, discards), matched on userId, anonymousId and
// traits, in one transaction, and leaves everyone else's rows alone. Own database, dropped after.

const { name: DB, db } = testDatabase('pb_wh_del')
const url = databaseUrl(DB)
let pipeline: Pipeline | undefined
afterEach(async () => {
  await pipeline?.close()
  pipeline = undefined
})

const at = '2026-12-01T10:00:00.000Z'
/** Every call type for one person (`p`: message id prefix), plus a discarded value and an email-only event. */
const person = (p: string, userId: string, anonymousId: string, email: string) => [
  {
    type: 'track',
    messageId: `${p}t1`,
    userId,
    anonymousId,
    event: 'Order Completed',
    properties: { total: 5 },
    timestamp: at,
  },
  {
    type: 'track',
    messageId: `${p}t2`,
    userId,
    event: 'Order Completed',
    properties: { total: 'lots' },
    timestamp: at,
  },
  {
    type: 'identify',
    messageId: `${p}i1`,
    userId,
    anonymousId,
    traits: { email, plan: 'pro' },
    timestamp: at,
  },
  { type: 'page', messageId: `${p}p1`, anonymousId, name: 'Home', timestamp: at },
  {
    type: 'screen',
    messageId: `${p}s1`,
    anonymousId: `${p}-other-device`,
    name: 'Cart',
    context: { traits: { email } },
    timestamp: at,
  },
  { type: 'group', messageId: `${p}g1`, userId, groupId: `${p}-acme`, timestamp: at },
  { type: 'alias', messageId: `${p}a1`, previousId: anonymousId, userId, timestamp: at },
  { type: 'alias', messageId: `${p}a2`, previousId: `${p}-old-id`, userId: `${p}-new-id`, timestamp: at },
]
const TABLES = [
  'aliases',
  'groups',
  'identifies',
  'order_completed',
  'pages',
  'patchbay_discards',
  'screens',
  'tracks',
  'users',
]

async function counts(schema: string, prefix: string) {
  const out: Record<string, number> = {}
  for (const t of TABLES) {
    const key = t === 'patchbay_discards' ? 'row_id' : 'id'
    const { rows } = await db().query(`SELECT count(*)::int AS n FROM ${schema}.${t} WHERE ${key} LIKE $1`, [
      `${prefix}%`,
    ])
    out[t] = rows[0].n
  }
  return out
}

it('deletes the user from every table, matched on userId, anonymousId and email, and nobody else', async () => {
  pipeline = await createPipeline(
    parsePipeline(
      `destinations:\n  - id: wh\n    use: "@patchbay/destination-postgres"\n    config: { connectionString: "${url}", schema: del }\n`,
      { file: '/virtual/pipeline.yaml', env: {} },
    ),
    { registry: new PluginRegistry({ cwd: process.cwd() }).add(postgres), singleAttempt: true },
  )
  const p = pipeline
  const events = [
    ...person('a-', 'a-user', 'a-anon', 'a@example.com'),
    ...person('b-', 'b-user', 'b-anon', 'b@example.com'),
  ]
  expect((await p.process(events)).map((o) => o.status)).toEqual(events.map(() => 'delivered'))
  expect(p.destinations).toEqual([expect.objectContaining({ id: 'wh', deletes: true })])
  const identifiers = [
    { type: 'userId', value: 'a-user' },
    { type: 'anonymousId', value: 'a-anon' },
    { type: 'email', value: 'a@example.com' },
  ]
  expect(await p.deleteUsers('wh', identifiers)).toEqual({ status: 'done', requests: 0 })
  // Again (a retry after a partial failure), and identifiers that try to break out of a literal.
  expect(await p.deleteUsers('wh', identifiers)).toEqual({ status: 'done', requests: 0 })
  expect(
    await p.deleteUsers('wh', [
      { type: 'userId', value: "x' OR '1'='1" },
      { type: 'email', value: "') OR true --" },
    ]),
  ).toEqual({ status: 'done', requests: 0 })
  // Loads go on after a deletion.
  expect((await p.process([{ ...events[8], messageId: 'b-t3' }])).map((o) => o.status)).toEqual(['delivered'])

  // Only the alias of two other ids stays: it names none of the user's identifiers.
  expect(await counts('del', 'a-')).toEqual({ ...Object.fromEntries(TABLES.map((t) => [t, 0])), aliases: 1 })
  expect(await counts('del', 'b-')).toEqual({
    aliases: 2,
    groups: 1,
    identifies: 1,
    order_completed: 3,
    pages: 1,
    patchbay_discards: 1,
    screens: 1,
    tracks: 3,
    users: 1,
  })
})

it('a deletion that fails part way leaves every row in place, and the retry deletes them all', async () => {
  pipeline = await createPipeline(
    parsePipeline(
      `destinations:\n  - id: wh\n    use: "@patchbay/destination-postgres"\n    config: { connectionString: "${url}", schema: del2 }\n`,
      { file: '/virtual/pipeline.yaml', env: {} },
    ),
    { registry: new PluginRegistry({ cwd: process.cwd() }).add(postgres), singleAttempt: true },
  )
  const p = pipeline
  const events = person('a-', 'a-user', 'a-anon', 'a@example.com')
  expect((await p.process(events)).every((o) => o.status === 'delivered')).toBe(true)
  // A trigger that fails the delete on `users` (the last table): the transaction rolls back.
  await db().query(
    `CREATE FUNCTION del2.refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused' USING ERRCODE = '40001'; END $$;
     CREATE TRIGGER refuse BEFORE DELETE ON del2.users FOR EACH ROW EXECUTE FUNCTION del2.refuse()`,
  )
  const failed = await p.deleteUsers('wh', [{ type: 'userId', value: 'a-user' }])
  expect(failed).toMatchObject({ status: 'failed', error: { retryable: true } })
  expect((await counts('del2', 'a-')).tracks).toBe(2)
  await db().query('DROP TRIGGER refuse ON del2.users')
  expect(await p.deleteUsers('wh', [{ type: 'userId', value: 'a-user' }])).toEqual({
    status: 'done',
    requests: 0,
  })
  expect(await counts('del2', 'a-')).toMatchObject({ tracks: 0, users: 0, identifies: 0, order_completed: 0 })
})
