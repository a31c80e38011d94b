import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import pg from 'pg'
import { Agent, request } from 'undici'
import { defineBench, percentile } from '../../../test/bench/_harness.ts'
import { openPostgresStore } from '../src/index.ts'
import { createTestDatabase } from '../test/store/_postgres.ts'
import { BATCH, bodies, CLIENTS, event, WRITE_KEY } from './_bodies.ts'

// The PostgreSQL store's figures, each against a baseline of the same run: ingest against the
// SQLite store, two nodes against one, and the store against the engine's own insert rate
// for the same rows and commit policy. Gateways are pinned to core 1 (two nodes: one each on
// cores 0 and 1), the load and the receiver to core 0; PostgreSQL runs where the OS puts it.

const here = new URL('.', import.meta.url).pathname
const AUTH = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`
const INGEST_MS = 3_000
const E2E_EVENTS = 20_000

function spawnReady(args: string[], core: number, env: NodeJS.ProcessEnv = {}) {
  const child = spawn('taskset', ['-c', String(core), process.execPath, '--no-node-snapshot', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  })
  return new Promise<{ child: ChildProcess; url: string }>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('ready ')) resolve({ child, url: line.slice(6) })
    })
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code} before it was ready`)))
  })
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))])
  child.kill('SIGKILL')
}

const agent = new Agent({ connections: CLIENTS * 2, pipelining: 1, keepAliveTimeout: 60_000 })

async function postBatch(url: string, n: number): Promise<void> {
  const res = await request(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: AUTH },
    body: bodies[n % bodies.length],
    dispatcher: agent,
  })
  await res.body.text()
  if (res.statusCode !== 200) throw new Error(`the gateway answered ${res.statusCode}`)
}

async function received(receiverUrl: string): Promise<number> {
  const res = await request(`${receiverUrl}/count`, { dispatcher: agent })
  return ((await res.body.json()) as { events: number }).events
}

/**
 * Starts a receiver and `nodes` gateways (SQLite when `storeUrl` is undefined), runs `fn`,
 * stops them. `mode`: the webhook sends one request per event (`single`), or batches of 100
 * (`batched`).
 */
async function withNodes<T>(
  storeUrl: string | undefined,
  nodes: number,
  fn: (urls: string[], receiverUrl: string) => Promise<T>,
  mode: 'single' | 'batched' = 'single',
): Promise<T> {
  const dataDirs = Array.from({ length: nodes }, () => mkdtempSync(join(tmpdir(), 'pb-pg-bench-')))
  const receiver = await spawnReady([join(here, '_receiver-process.ts')], 0)
  const gateways: Array<{ child: ChildProcess; url: string }> = []
  try {
    for (const [i, dir] of dataDirs.entries())
      gateways.push(
        await spawnReady(
          [join(here, '_gateway-process.ts'), dir, receiver.url, mode],
          nodes === 1 ? 1 : i % 2,
          storeUrl ? { PB_BENCH_STORE: storeUrl } : {},
        ),
      )
    return await fn(
      gateways.map((g) => g.url),
      receiver.url,
    )
  } finally {
    for (const g of gateways) await stop(g.child)
    await stop(receiver.child)
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true })
  }
}

/** Events/s acknowledged over `ms`, CLIENTS clients per node posting batches of 100. */
async function ingestRate(urls: string[], ms: number): Promise<number> {
  let sent = 0
  let n = 0
  const start = performance.now()
  await Promise.all(
    urls.flatMap((url) =>
      Array.from({ length: CLIENTS }, async () => {
        while (performance.now() - start < ms) {
          await postBatch(url, n++)
          sent += BATCH
        }
      }),
    ),
  )
  return (sent / (performance.now() - start)) * 1000
}

/** Events/s from the first request to the last event at the receiver, spread over the nodes. */
async function endToEndRate(urls: string[], receiverUrl: string, total: number): Promise<number> {
  const before = await received(receiverUrl)
  const start = performance.now()
  let n = 0
  await Promise.all(
    urls.flatMap((url) =>
      Array.from({ length: CLIENTS }, async () => {
        while (n < total / BATCH) await postBatch(url, n++)
      }),
    ),
  )
  while ((await received(receiverUrl)) - before < total) await new Promise((r) => setTimeout(r, 5))
  return (total / (performance.now() - start)) * 1000
}

/** A fresh database for one figure. */
async function withDatabase<T>(label: string, fn: (url: string) => Promise<T>): Promise<T> {
  const db = await createTestDatabase(`bench_${label}`)
  try {
    return await fn(db.url)
  } finally {
    await db.drop()
  }
}

/** Rows/s of the engine alone: the events table's row shape, multi-row INSERTs of 100, synchronous_commit on, CLIENTS connections. */
async function rawInsertRate(url: string, ms: number): Promise<number> {
  const setup = new pg.Client({ connectionString: url })
  await setup.connect()
  await setup.query(`CREATE TABLE raw_events (seq bigserial PRIMARY KEY, source_id text NOT NULL, message_id text NOT NULL,
    event text NOT NULL, stored_at bigint NOT NULL, processed boolean NOT NULL DEFAULT false)`)
  await setup.end()
  const rows = Array.from({ length: BATCH }, (_, i) => JSON.stringify(event(0, i)))
  const ids = rows.map((_, i) => `m${i}`)
  const sources = rows.map(() => 'web')
  let inserted = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      while (performance.now() - start < ms) {
        await client.query({
          name: 'raw',
          text: `INSERT INTO raw_events (source_id, message_id, event, stored_at)
                 SELECT s, m, e, $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS t(s, m, e)`,
          values: [sources, ids, rows, 1],
        })
        inserted += BATCH
      }
      await client.end()
    }),
  )
  return (inserted / (performance.now() - start)) * 1000
}

/** Claim latencies (ms) of 2 stores claiming 100 ordered jobs at once from 50,000 queued, completing each claim. */
async function claimLatencies(url: string): Promise<number[]> {
  const stores = await Promise.all([0, 1].map(() => openPostgresStore({ url, poolSize: 4 })))
  try {
    for (let start = 0; start < 50_000; start += 10_000)
      await stores[0]!.commitProcessed(
        [],
        Array.from({ length: 10_000 }, (_, i) => ({
          destinationId: 'crm',
          orderKey: `user-${(start + i) % 5000}`,
          messageId: `m${start + i}`,
          payload: event(0, i),
        })),
        1000,
      )
    const latencies: number[] = []
    await Promise.all(
      stores.flatMap((store) =>
        [0, 1].map(async () => {
          for (let round = 0; round < 100; round++) {
            const begun = performance.now()
            const jobs = await store.claim('crm', { limit: 100, now: 1000, ordered: true })
            latencies.push(performance.now() - begun)
            if (jobs.length === 0) return
            await store.complete(jobs.map((j) => j.id))
          }
        }),
      ),
    )
    return latencies
  } finally {
    await Promise.all(stores.map((s) => s.close()))
  }
}

let ingest: Promise<{ sqlite: number; pg: number }> | undefined
const ingestPair = () =>
  (ingest ??= (async () => {
    // Alternated, best of two each, so both meet the same machine.
    const sqlite: number[] = []
    const pgRates: number[] = []
    for (let round = 0; round < 2; round++) {
      sqlite.push(await withNodes(undefined, 1, (urls) => ingestRate(urls, INGEST_MS)))
      pgRates.push(
        await withDatabase(`ingest${round}`, (url) =>
          withNodes(url, 1, (urls) => ingestRate(urls, INGEST_MS)),
        ),
      )
    }
    return { sqlite: Math.max(...sqlite), pg: Math.max(...pgRates) }
  })())

const warmedEndToEnd = async (urls: string[], receiverUrl: string) => {
  await endToEndRate(urls, receiverUrl, 2_000)
  return endToEndRate(urls, receiverUrl, E2E_EVENTS)
}

let raw: Promise<number> | undefined
const rawInsert = () => (raw ??= withDatabase('raw', (url) => rawInsertRate(url, INGEST_MS)))

let e2e: Promise<{ sqlite: number; one: number; two: number }> | undefined
const e2ePair = () =>
  (e2e ??= (async () => ({
    sqlite: await withNodes(undefined, 1, warmedEndToEnd),
    one: await withDatabase('e2e1', (url) => withNodes(url, 1, warmedEndToEnd)),
    two: await withDatabase('e2e2', (url) => withNodes(url, 2, warmedEndToEnd)),
  }))())

// The same end to end with the webhook batching 100 events a request: one request per event
// costs the gateway's HTTP client more than everything else (core alone delivers about 6,000
// such requests a second here, gateway.e2e.direct), so this is what the store allows.
let e2eBatched: Promise<{ sqlite: number; one: number; two: number }> | undefined
const e2eBatchedPair = () =>
  (e2eBatched ??= (async () => ({
    sqlite: await withNodes(undefined, 1, warmedEndToEnd, 'batched'),
    one: await withDatabase('e2eb1', (url) => withNodes(url, 1, warmedEndToEnd, 'batched')),
    two: await withDatabase('e2eb2', (url) => withNodes(url, 2, warmedEndToEnd, 'batched')),
  }))())

export default defineBench([
  {
    name: 'gateway.pg.ingest.sqlite',
    unit: 'events/s',
    description: 'the baseline: durable ingest with the SQLite store, one node, same load, same run',
    measure: async () => (await ingestPair()).sqlite,
  },
  {
    name: 'gateway.pg.ingest',
    unit: 'events/s',
    description:
      'durable ingest (200 after commit, synchronous_commit on) with the PostgreSQL store, one node',
    goal: { op: '>=', value: 20_000 },
    measure: async () => (await ingestPair()).pg,
  },
  {
    name: 'gateway.pg.ingest.vs_sqlite',
    unit: 'ratio',
    description: 'gateway.pg.ingest / gateway.pg.ingest.sqlite',
    goal: { op: '>=', value: 0.7 },
    measure: async () => {
      const { sqlite, pg: rate } = await ingestPair()
      return rate / sqlite
    },
  },
  {
    name: 'gateway.pg.raw_insert',
    unit: 'rows/s',
    description:
      'the engine alone: the same rows as multi-row INSERTs of 100 over 8 connections, synchronous_commit on (pgbench-style reference)',
    measure: rawInsert,
  },
  {
    name: 'gateway.pg.ingest.vs_raw_insert',
    unit: 'ratio',
    description: 'gateway.pg.ingest / gateway.pg.raw_insert: how close the gateway comes to the engine',
    measure: async () => (await ingestPair()).pg / (await rawInsert()),
  },
  {
    name: 'gateway.pg.e2e.delivered.sqlite',
    unit: 'events/s',
    description: 'the baseline: the same 20,000 events end to end with the SQLite store, one node, same run',
    measure: async () => (await e2ePair()).sqlite,
  },
  {
    name: 'gateway.pg.e2e.delivered',
    unit: 'events/s',
    description: '20,000 events from the first request to the last at the receiver, one node on PostgreSQL',
    goal: { op: '>=', value: 10_000 },
    measure: async () => (await e2ePair()).one,
  },
  {
    name: 'gateway.pg.e2e.delivered.vs_sqlite',
    unit: 'ratio',
    description: 'gateway.pg.e2e.delivered / gateway.pg.e2e.delivered.sqlite',
    measure: async () => {
      const { sqlite, one } = await e2ePair()
      return one / sqlite
    },
  },
  {
    name: 'gateway.pg.e2e.delivered.2nodes',
    unit: 'events/s',
    description: 'the same with two nodes on one database (one per core of this 2-core machine)',
    measure: async () => (await e2ePair()).two,
  },
  {
    name: 'gateway.pg.e2e.delivered.2nodes.vs_1node',
    unit: 'ratio',
    description: 'two nodes / one node, same run',
    measure: async () => {
      const { one, two } = await e2ePair()
      return two / one
    },
  },
  {
    name: 'gateway.pg.e2e.delivered.batched.sqlite',
    unit: 'events/s',
    description:
      'the baseline: gateway.pg.e2e.delivered.sqlite with the webhook batching 100 events a request',
    measure: async () => (await e2eBatchedPair()).sqlite,
  },
  {
    name: 'gateway.pg.e2e.delivered.batched',
    unit: 'events/s',
    description:
      'gateway.pg.e2e.delivered (one node on PostgreSQL) with the webhook batching 100 events a request',
    goal: { op: '>=', value: 10_000 },
    measure: async () => (await e2eBatchedPair()).one,
  },
  {
    name: 'gateway.pg.e2e.delivered.batched.vs_sqlite',
    unit: 'ratio',
    description: 'gateway.pg.e2e.delivered.batched / gateway.pg.e2e.delivered.batched.sqlite',
    measure: async () => {
      const { sqlite, one } = await e2eBatchedPair()
      return one / sqlite
    },
  },
  {
    name: 'gateway.pg.e2e.delivered.batched.2nodes',
    unit: 'events/s',
    description: 'the same with two nodes on one database (one per core)',
    measure: async () => (await e2eBatchedPair()).two,
  },
  {
    name: 'gateway.pg.claim.p99',
    unit: 'ms',
    description:
      'claim latency p99: 2 stores x 2 workers claiming 100 ordered jobs (5,000 users) from 50,000 queued',
    measure: async () => percentile(await withDatabase('claim', claimLatencies), 99),
  },
])
