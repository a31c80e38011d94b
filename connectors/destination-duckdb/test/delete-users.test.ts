import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPipeline, type Pipeline, PluginRegistry, parsePipeline } from '@patchbay/core'
import { afterEach, beforeEach, expect, it } from 'vitest'
import duckdb from '../src/index.ts'
import { query } from './_query.ts'

// Regulations: deleteUsers removes a user's rows from every table the destination wrote
// (call tables, the event's own table, users, discards), matched on userId, anonymousId and
// traits, and leaves everyone else's rows alone.

let dir: string
let pipeline: Pipeline | undefined
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pb-duckdb-del-'))
})
afterEach(async () => {
  await pipeline?.close()
  pipeline = undefined
  rmSync(dir, { recursive: true, force: true })
})

async function open(file: string) {
  pipeline = await createPipeline(
    parsePipeline(
      `destinations:\n  - { id: wh, use: "@patchbay/destination-duckdb", config: { path: "${file}" } }\n`,
      { file: join(dir, 'pipeline.yaml'), env: {} },
    ),
    { registry: new PluginRegistry({ cwd: dir }).add(duckdb), singleAttempt: true },
  )
  return pipeline
}

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

async function counts(file: string, prefix: string) {
  const out: Record<string, number> = {}
  for (const t of TABLES) {
    const key = t === 'patchbay_discards' ? 'row_id' : 'id'
    const [row] = await query(file, `SELECT count(*)::INT AS n FROM ${t} WHERE ${key} LIKE '${prefix}%'`)
    out[t] = Number(row!.n)
  }
  return out
}

it('deletes the user from every table, matched on userId, anonymousId and email, and nobody else', async () => {
  const file = join(dir, 'events.duckdb')
  const p = await open(file)
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
  await p.close()
  pipeline = undefined

  const b = {
    aliases: 2,
    groups: 1,
    identifies: 1,
    order_completed: 3,
    pages: 1,
    patchbay_discards: 1,
    screens: 1,
    tracks: 3,
    users: 1,
  }
  // Only the alias of two other ids stays: it names none of the user's identifiers.
  expect(await counts(file, 'a-')).toEqual({ ...Object.fromEntries(TABLES.map((t) => [t, 0])), aliases: 1 })
  expect(await counts(file, 'b-')).toEqual(b)
  expect(await query(file, 'SELECT id FROM users ORDER BY id')).toEqual([{ id: 'b-user' }])
})
