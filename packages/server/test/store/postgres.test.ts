import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type NewJob, openPostgresStore, type Store } from '../../src/store/index.ts'
import { createPool } from '../../src/store/postgres/_pool.ts'
import { MIGRATIONS } from '../../src/store/postgres/_schema.ts'
import { waitFor } from '../_gateway.ts'
import { job, rejected } from './_helpers.ts'
import { createTestDatabase, queryDatabase } from './_postgres.ts'

const holder = fileURLToPath(new URL('./_lease-holder.ts', import.meta.url))

let database: Awaited<ReturnType<typeof createTestDatabase>>
const stores: Store[] = []
beforeAll(async () => {
  database = await createTestDatabase('pg_nodes')
})
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()))
  await queryDatabase(database.url, 'DROP SCHEMA IF EXISTS patchbay CASCADE')
})
afterAll(() => database.drop())

/** A node: a store of its own on the shared database. */
async function node(options: { leaseMs?: number; node?: string } = {}): Promise<Store> {
  const store = await openPostgresStore({ url: database.url, statsMaxAgeMs: 0, poolSize: 4, ...options })
  stores.push(store)
  return store
}

/**
 * Two nodes, two claimers each, take `jobs` (claims of 5, completed after a turn of the event
 * loop) until every one is delivered: none twice, never two jobs of one key in flight at once,
 * and each key's jobs in the order they were queued.
 */
async function claimTogether(jobs: NewJob[]): Promise<void> {
  const [a, b] = await Promise.all([node(), node()])
  await a.commitProcessed([], jobs, 1000)
  const delivered: string[] = []
  const inFlightKeys = new Set<string>()
  let overlap = 0
  const work = async (store: Store) => {
    for (;;) {
      const claimed = await store.claim('crm', { limit: 5, now: 1000, ordered: true })
      if (claimed.length === 0) {
        if (delivered.length === jobs.length) return
        await new Promise((r) => setImmediate(r))
        continue
      }
      for (const j of claimed) {
        if (j.orderKey === null) continue
        if (inFlightKeys.has(j.orderKey)) overlap++
        inFlightKeys.add(j.orderKey)
      }
      await new Promise((r) => setImmediate(r))
      for (const j of claimed) {
        if (j.orderKey !== null) inFlightKeys.delete(j.orderKey)
        delivered.push(j.messageId)
      }
      await store.complete(claimed.map((j) => j.id))
    }
  }
  await Promise.all([work(a), work(b), work(a), work(b)])
  expect(overlap).toBe(0)
  expect([...delivered].sort()).toEqual(jobs.map((j) => j.messageId).sort())
  // Per key, in the order the jobs were queued.
  for (const key of new Set(jobs.flatMap((j) => (j.orderKey === null ? [] : [j.orderKey])))) {
    const queued = jobs.filter((j) => j.orderKey === key).map((j) => j.messageId)
    expect(delivered.filter((id) => queued.includes(id))).toEqual(queued)
  }
}

describe('several nodes on one database', () => {
  it('start together: one migrates under the advisory lock, the others find the schema ready', async () => {
    const nodes = await Promise.all([node(), node(), node()])
    const { rows } = await queryDatabase(database.url, 'SELECT version FROM patchbay.schema_migrations')
    // Each migration ran once, however many nodes started.
    expect(rows).toEqual(MIGRATIONS.map((_, i) => ({ version: i + 1 })))
    await nodes[0]!.commitProcessed([], [job('crm', null, 'a')], 1000)
    expect((await nodes[2]!.stats()).jobs).toEqual({ crm: { waiting: 1, in_flight: 0, retrying: 0 } })
  })

  it('refuse a database whose schema a newer Patchbay wrote', async () => {
    await node()
    await queryDatabase(database.url, 'INSERT INTO patchbay.schema_migrations (version) VALUES (99)')
    const error = await rejected(openPostgresStore({ url: database.url }))
    expect(error.message).toContain(
      `has Patchbay schema version 99, but this Patchbay only knows versions up to ${MIGRATIONS.length}`,
    )
  })

  it('claim concurrently: every job once, and never two jobs of one key in flight', async () => {
    await claimTogether(Array.from({ length: 200 }, (_, i) => job('crm', `u${i % 10}`, `m${i}`)))
  })

  it('claim concurrently behind a hot user: every job once, in order per key, with few or many other users', async () => {
    // One user's 150 jobs ahead of the others': claims of 5 look past that backlog, through
    // the heads of every key (3 other users) or on down the queue (12 other users).
    for (const others of [3, 12]) {
      await claimTogether([
        ...Array.from({ length: 150 }, (_, i) => job('crm', 'hot', `hot-${others}-${i}`)),
        ...Array.from({ length: others * 8 }, (_, i) => job('crm', `u${i % others}`, `u-${others}-${i}`)),
        ...Array.from({ length: 10 }, (_, i) => job('crm', null, `none-${others}-${i}`)),
      ])
      await Promise.all(stores.splice(0).map((s) => s.close()))
      await queryDatabase(database.url, 'DROP SCHEMA patchbay CASCADE')
    }
  })

  it('take over the jobs of a node killed with SIGKILL once its lease expires, not before', async () => {
    const survivor = await node({ leaseMs: 60_000 })
    await survivor.commitProcessed(
      [],
      [job('crm', 'u1', 'a'), job('crm', 'u1', 'b'), job('crm', null, 'c')],
      1000,
    )
    const child = spawn(process.execPath, [holder, database.url, '1500'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const [line] = (await once(child.stdout, 'data')) as [Buffer]
    expect(JSON.parse(line.toString())).toEqual(['a', 'c'])
    // The holder is alive: its claims are its own.
    expect(await survivor.releaseInFlight()).toBe(0)
    expect(await survivor.claim('crm', { limit: 10, now: Date.now(), ordered: true })).toEqual([])
    child.kill('SIGKILL')
    await once(child, 'exit')

    let taken: string[] = []
    await waitFor(
      async () => {
        await survivor.releaseInFlight()
        taken = taken.concat(
          (await survivor.claim('crm', { limit: 10, now: Date.now(), ordered: true })).map(
            (j) => j.messageId,
          ),
        )
        return taken.length >= 2
      },
      "the dead node's jobs",
      30_000,
    )
    expect(taken).toEqual(['a', 'c'])
  })

  it('do not keep alive a claim whose answer was lost: its jobs go to another node once the lease runs out', async () => {
    const a = await node({ node: 'node-a', leaseMs: 600 })
    const b = await node({ node: 'node-b', leaseMs: 60_000 })
    await a.commitProcessed([], [job('crm', 'u1', 'lost'), job('crm', 'u1', 'next')], 1000)
    // A claim by node-a that committed, but whose answer never reached it (the connection
    // broke on the way back): the job names node-a, yet none of its workers holds it.
    await queryDatabase(
      database.url,
      `UPDATE patchbay.jobs SET state = 'in_flight', node = 'node-a', lease_until = now() + interval '600 milliseconds'
       WHERE message_id = 'lost'`,
    )
    // A job node-a does hold stays its own, heartbeat after heartbeat.
    await a.commitProcessed([], [job('crm', null, 'held')], 1000)
    expect(
      (await a.claim('crm', { limit: 10, now: Date.now(), ordered: true })).map((j) => j.messageId),
    ).toEqual(['held'])
    let taken: string[] = []
    await waitFor(
      async () => {
        taken = (await b.claim('crm', { limit: 10, now: Date.now(), ordered: true })).map((j) => j.messageId)
        return taken.length > 0
      },
      'the lost claim back in the queue',
      10_000,
    )
    expect(taken).toEqual(['lost'])
    await new Promise((r) => setTimeout(r, 1_000))
    // node-a's own job outlived its 600 ms lease: only u1's next job is left to take.
    expect(
      (await b.claim('crm', { limit: 10, now: Date.now(), ordered: false })).map((j) => j.messageId),
    ).toEqual(['next'])
  })

  it('turn events into jobs on one node at a time; the turn passes on when that node goes', async () => {
    const [a, b] = await Promise.all([node(), node()])
    await a.append([{ sourceId: 'web', messageId: 'm1', event: { type: 'track' } }])
    const first = await a.readPending(10)
    expect(first.map((e) => e.messageId)).toEqual(['m1'])
    expect(await b.readPending(10)).toEqual([])
    await a.close()
    expect((await b.readPending(10)).map((e) => e.messageId)).toEqual(['m1'])
  })

  it('never print the password of the store URL', async () => {
    const url = 'postgres://postgres:s3cret-Pa55@127.0.0.1:1/nowhere'
    const error = await rejected(openPostgresStore({ url }))
    expect(error.message).toContain('postgres://postgres:***@127.0.0.1:1/nowhere')
    expect(error.message).not.toContain('s3cret-Pa55')
    // The driver also takes it as a query parameter, in either place of a message.
    const query = 'postgres://postgres@127.0.0.1:1/nowhere?password=s3cretQS&sslpassword=k3y-Pa55'
    const inQuery = await rejected(openPostgresStore({ url: query }))
    expect(inQuery.message).toContain('postgres://postgres@127.0.0.1:1/nowhere?password=***&sslpassword=***')
    expect(inQuery.message).not.toMatch(/s3cretQS|k3y-Pa55/)
  })

  it('commit appends durably (synchronous_commit on) and bookkeeping without waiting for the WAL flush; no bitmap scans', async () => {
    const settings = async (durable: boolean) => {
      const pool = createPool({ url: database.url, poolSize: 1, durable })
      try {
        const { rows } = await pool.query(
          "SELECT current_setting('synchronous_commit') AS sync, current_setting('enable_bitmapscan') AS bitmap",
        )
        return rows[0]
      } finally {
        await pool.end()
      }
    }
    expect(await settings(true)).toEqual({ sync: 'on', bitmap: 'off' })
    expect(await settings(false)).toEqual({ sync: 'off', bitmap: 'off' })
  })
})
