import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPipeline, PluginRegistry, parsePipeline } from '@patchbay/core'
import duckdb from '@patchbay/destination-duckdb'
import postgres from '@patchbay/destination-postgres'
import {
  canonicalIdOf,
  createMemoryIdentityStore,
  identityStage,
  openIdentityGraph,
} from '@patchbay/identity'
import type { PatchbayEvent } from '@patchbay/protocol'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { query as duck } from '../connectors/destination-duckdb/test/_query.ts'

// The identity stage (changes: true) → both warehouses' identity tables, in-process: a person
// anonymous on two devices then logged in has one canonical id for every id in
// identity_mappings (the phone's device id, never seen again after the merge, included), in
// either order of delivery; a merge over the userId cap lands a rejection row.

const ADMIN = process.env.PATCHBAY_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test'
const DB = `pb_wh_identity_${process.pid}`
const dbUrl = (() => {
  const u = new URL(ADMIN)
  u.pathname = `/${DB}`
  return u.toString()
})()
let admin: pg.Client
let db: pg.Client
let dir: string
beforeAll(async () => {
  admin = new pg.Client({ connectionString: ADMIN })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
  await admin.query(`CREATE DATABASE ${DB}`)
  db = new pg.Client({ connectionString: dbUrl })
  await db.connect()
  dir = mkdtempSync(join(tmpdir(), 'pb-wh-identity-'))
})
afterAll(async () => {
  await db?.end()
  await admin?.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
  await admin?.end()
  rmSync(dir, { recursive: true, force: true })
})

const at = (minute: number) => `2026-12-01T10:${String(minute).padStart(2, '0')}:00.000Z`

it('anonymous on two devices, then login: one canonical id for every id in both warehouses; a capped merge is a rejection row', async () => {
  const file = join(dir, 'events.duckdb')
  const loaded = parsePipeline(
    `identity:
  caps: { userId: 1 }
  fields:
    - { type: email, path: traits.email, lowercase: true }
    - { type: deviceId, path: context.device.id }
destinations:
  - { id: duck, use: "@patchbay/destination-duckdb", config: { path: "${file}" } }
  - { id: pg, use: "@patchbay/destination-postgres", config: { connectionString: "${dbUrl}", schema: ident } }
`,
    { file: join(dir, 'pipeline.yaml'), env: {} },
  )
  const graph = await openIdentityGraph({
    store: createMemoryIdentityStore(),
    settings: loaded.definition.identity,
  })
  const pipeline = await createPipeline(loaded, {
    registry: new PluginRegistry({ cwd: dir }).add(duckdb).add(postgres),
    stages: [identityStage(graph, { changes: true })],
    singleAttempt: true,
  })
  const batches = [
    [{ type: 'track', event: 'Viewed', messageId: 'm1', anonymousId: 'anon-laptop', timestamp: at(1) }],
    [
      {
        type: 'track',
        event: 'Viewed',
        messageId: 'm2',
        anonymousId: 'anon-phone',
        context: { device: { id: 'dev-phone' } },
        timestamp: at(2),
      },
    ],
    [
      {
        type: 'identify',
        messageId: 'm3',
        userId: 'u1',
        anonymousId: 'anon-laptop',
        traits: { email: 'Ada@Example.com' },
        timestamp: at(3),
      },
    ],
    // The login on the phone merges the phone's person (and its device id) into u1's.
    [
      {
        type: 'track',
        event: 'Paid',
        messageId: 'm4',
        userId: 'u1',
        anonymousId: 'anon-phone',
        timestamp: at(4),
      },
    ],
    // Another userId on the laptop: over the cap of one userId per person, rejected.
    [{ type: 'identify', messageId: 'm5', userId: 'u2', anonymousId: 'anon-laptop', timestamp: at(5) }],
  ]
  const stitched: PatchbayEvent[][] = []
  for (const batch of batches) stitched.push((await pipeline.transform(batch)).events.map((e) => e.event))
  expect(
    (stitched[3]![0]!.context as { patchbay: { identity: { merged: unknown[] } } }).patchbay.identity.merged,
  ).toEqual([
    { from: canonicalIdOf('anonymousId', 'anon-phone'), to: canonicalIdOf('anonymousId', 'anon-laptop') },
  ])
  // DuckDB in order, PostgreSQL in reverse (the merge arrives before the ids it moves).
  for (const events of stitched)
    expect((await pipeline.deliver('duck', events)).map((o) => o.status)).toEqual(
      events.map(() => 'delivered'),
    )
  for (const events of [...stitched].reverse())
    expect((await pipeline.deliver('pg', events)).map((o) => o.status)).toEqual(events.map(() => 'delivered'))
  await pipeline.close()

  const person = canonicalIdOf('anonymousId', 'anon-laptop')
  expect(graph.resolve('deviceId:dev-phone')).toBe(person)
  const expected = [
    { id_type: 'anonymousId', id: 'anon-laptop', canonical_id: person },
    { id_type: 'anonymousId', id: 'anon-phone', canonical_id: person },
    { id_type: 'deviceId', id: 'dev-phone', canonical_id: person },
    { id_type: 'email', id: 'ada@example.com', canonical_id: person },
    { id_type: 'userId', id: 'u1', canonical_id: person },
    { id_type: 'userId', id: 'u2', canonical_id: canonicalIdOf('userId', 'u2') },
  ]
  const mappings = 'SELECT id_type, id, canonical_id FROM identity_mappings ORDER BY id_type, id'
  expect(await duck(file, mappings)).toEqual(expected)
  expect((await db.query(mappings.replace('identity_mappings', 'ident.identity_mappings'))).rows).toEqual(
    expected,
  )

  const rejections =
    'SELECT id_type_a, id_a, id_type_b, id_b, status, message_id FROM identity_merge_rejections ORDER BY 1, 2, 3, 4'
  const rejected = [
    {
      id_type_a: 'anonymousId',
      id_a: 'anon-laptop',
      id_type_b: 'userId',
      id_b: 'u2',
      status: 'rejected',
      message_id: 'm5',
    },
  ]
  expect(await duck(file, rejections)).toEqual(rejected)
  expect(
    (await db.query(rejections.replace('identity_merge_rejections', 'ident.identity_merge_rejections'))).rows,
  ).toEqual(rejected)
  expect((await db.query('SELECT reason FROM ident.identity_merge_rejections')).rows[0].reason).toMatch(
    /userId cap/,
  )
  // Every table joins on the canonical id, and the stamp is not a column.
  expect(
    await duck(
      file,
      "SELECT count(DISTINCT m.canonical_id)::INT AS people, count(*)::INT AS n FROM tracks t JOIN identity_mappings m ON m.id_type = 'anonymousId' AND m.id = t.anonymous_id",
    ),
  ).toEqual([{ people: 1, n: 3 }])
  expect(
    (
      await db.query(
        "SELECT DISTINCT column_name FROM information_schema.columns WHERE table_schema = 'ident' AND column_name LIKE 'context_patchbay%'",
      )
    ).rows.map((r) => r.column_name),
  ).toEqual(['context_patchbay_canonical_id'])
  await graph.close()
}, 120_000)

it('a stamp an event brings itself never reaches the identity tables', async () => {
  const graph = await openIdentityGraph({ store: createMemoryIdentityStore() })
  const forged = {
    type: 'track',
    event: 'X',
    messageId: 'f1',
    context: { patchbay: { identity: { canonicalId: 'c', at: '2030-01-01T00:00:00Z', ids: [] } } },
  }
  const [out] = await identityStage(graph, { changes: true }).run([forged as never])
  expect((out!.context as { patchbay: object }).patchbay).toEqual({})
  await graph.close()
})
