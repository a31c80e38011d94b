import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { Agent, request } from 'undici'
import { defineBench, median } from '../../../test/bench/_harness.ts'
import { BATCH, bodies, CLIENTS, WRITE_KEY } from './_bodies.ts'

// The gateway runs in its own process pinned to one core (taskset), the load generator and
// the receiver on the other: "on one core of this 2-core machine".

// Each figure that depends on the machine's load has a baseline measured in the same run,
// pinned to the same core: a bare HTTP server, a bare node:sqlite store, and core delivering
// without a store.

const here = new URL('.', import.meta.url).pathname
const AUTH = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`
const E2E_EVENTS = 20_000
const E2E_WARMUP = 2_000

function spawnReady(args: string[], core: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn('taskset', ['-c', String(core), process.execPath, '--no-node-snapshot', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', (line) => {
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

const agent = new Agent({ connections: CLIENTS, pipelining: 1, keepAliveTimeout: 60_000 })

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

/** Events/s acknowledged over `ms`, from CLIENTS concurrent clients posting batches of 100. */
async function ingestRate(url: string, ms: number): Promise<number> {
  let sent = 0
  let n = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() - start < ms) {
        await postBatch(url, n++)
        sent += BATCH
      }
    }),
  )
  return (sent / (performance.now() - start)) * 1000
}

async function received(receiverUrl: string): Promise<number> {
  const res = await request(`${receiverUrl}/count`, { dispatcher: agent })
  return ((await res.body.json()) as { events: number }).events
}

/** Events/s from the first request to the last event at the receiver, `total` events at a time. */
async function endToEndRate(url: string, receiverUrl: string, total: number): Promise<number> {
  const before = await received(receiverUrl)
  const start = performance.now()
  let n = 0
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (n < total / BATCH) await postBatch(url, n++)
    }),
  )
  while ((await received(receiverUrl)) - before < total) await new Promise((r) => setTimeout(r, 5))
  return (total / (performance.now() - start)) * 1000
}

/** Starts a receiver and a gateway (or the bare-HTTP baseline), runs `fn`, stops both. */
async function withGateway<T>(
  mode: 'single' | 'batched' | 'http',
  fn: (url: string, receiverUrl: string) => Promise<T>,
) {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-bench-'))
  const receiver = await spawnReady([join(here, '_receiver-process.ts')], 0)
  const gateway = await spawnReady([join(here, '_gateway-process.ts'), dataDir, receiver.url, mode], 1)
  try {
    return await fn(gateway.url, receiver.url)
  } finally {
    await stop(gateway.child)
    await stop(receiver.child)
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/**
 * Runs a baseline process pinned to the gateway's core (1) and returns the rates it prints,
 * one `rate <n>` line per round.
 */
function runBaseline(args: string[]): Promise<number[]> {
  const child = spawn('taskset', ['-c', '1', process.execPath, '--no-node-snapshot', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const rates: number[] = []
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('rate ')) rates.push(Number(line.slice(5)))
  })
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolve(rates) : reject(new Error(`${args[0]} exited with ${code}`)),
    ),
  )
}

/** Core's pipeline delivering the same events to a receiver, no store: events/s, median of 3 rounds. */
async function directRate(mode: 'single' | 'batched'): Promise<number> {
  const receiver = await spawnReady([join(here, '_receiver-process.ts')], 0)
  try {
    const before = await received(receiver.url)
    const sizes = [E2E_WARMUP, E2E_EVENTS, E2E_EVENTS, E2E_EVENTS]
    const rates = await runBaseline([join(here, '_direct-process.ts'), receiver.url, mode, sizes.join(',')])
    const got = (await received(receiver.url)) - before
    const sent = sizes.reduce((a, b) => a + b)
    if (got !== sent)
      throw new Error(`the receiver counted ${got} events from the direct baseline, not ${sent}`)
    return median(rates.slice(1))
  } finally {
    await stop(receiver.child)
  }
}

/** A bare node:sqlite store of the same rows with the gateway's commit policy: events/s. */
async function storeRate(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'pb-bench-store-'))
  try {
    const rates = await runBaseline([join(here, '_store-process.ts'), dir, '1500', '4'])
    return median(rates.slice(1))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const rounds = async (n: number, measure: () => Promise<number>) => {
  const values: number[] = []
  for (let i = 0; i < n; i++) values.push(await measure())
  return median(values)
}

export default defineBench([
  {
    name: 'gateway.ingest.http_baseline',
    unit: 'events/s',
    description: `baseline: a bare node:http server on one core that reads and parses the same /v1/batch bodies (${CLIENTS} clients, ${BATCH} events each) and stores nothing`,
    measure: () =>
      withGateway('http', async (url) => {
        await ingestRate(url, 500)
        return rounds(3, () => ingestRate(url, 1_500))
      }),
  },
  {
    name: 'gateway.ingest.store_baseline',
    unit: 'events/s',
    description: `baseline: a bare node:sqlite insert of the rows the gateway stores for the same events, on one core, with its commit policy (WAL, synchronous=FULL per append transaction, ${CLIENTS} calls of ${BATCH} per group commit, a savepoint per call)`,
    measure: () => storeRate(),
  },
  {
    name: 'gateway.ingest.batch100',
    unit: 'events/s',
    description: `events acknowledged after a durable commit through /v1/batch, ${CLIENTS} concurrent clients posting ${BATCH} events each, gateway on one core while it also delivers`,
    goal: { op: '>=', value: 20_000 },
    measure: () =>
      withGateway('single', async (url) => {
        await ingestRate(url, 500)
        return rounds(3, () => ingestRate(url, 1_500))
      }),
  },
  {
    name: 'gateway.ingest.batch100.vs_http',
    unit: 'ratio',
    description:
      'gateway.ingest.batch100 / gateway.ingest.http_baseline: what durability, validation and normalisation cost',
    measure: (ctx) => ctx.get('gateway.ingest.batch100') / ctx.get('gateway.ingest.http_baseline'),
  },
  {
    name: 'gateway.ingest.batch100.vs_store',
    unit: 'ratio',
    description:
      'gateway.ingest.batch100 / gateway.ingest.store_baseline: what HTTP, validation, normalisation and the gateway around the store cost',
    goal: { op: '>=', value: 0.5 },
    measure: (ctx) => ctx.get('gateway.ingest.batch100') / ctx.get('gateway.ingest.store_baseline'),
  },
  {
    name: 'gateway.e2e.direct',
    unit: 'events/s',
    description: `baseline: core's pipeline.process (same pipeline, webhook with delivery.concurrency 32, one POST per event) delivering the same ${E2E_EVENTS.toLocaleString('en-US')} events to the same receiver without a store, ${CLIENTS} batches of ${BATCH} at a time, on one core`,
    measure: () => directRate('single'),
  },
  {
    name: 'gateway.e2e.delivered',
    unit: 'events/s',
    description:
      '20,000 events posted in batches of 100 until all arrive at a local receiver, one POST per event (webhook with delivery.concurrency 32, pass-through pipeline), gateway on one core',
    goal: { op: '>=', value: 10_000 },
    measure: () =>
      withGateway('single', async (url, receiverUrl) => {
        await endToEndRate(url, receiverUrl, E2E_WARMUP)
        return rounds(3, () => endToEndRate(url, receiverUrl, E2E_EVENTS))
      }),
  },
  {
    name: 'gateway.e2e.delivered.vs_direct',
    unit: 'ratio',
    description:
      'gateway.e2e.delivered / gateway.e2e.direct: what the durable store and HTTP ingestion cost end to end',
    goal: { op: '>=', value: 0.7 },
    measure: (ctx) => ctx.get('gateway.e2e.delivered') / ctx.get('gateway.e2e.direct'),
  },
  {
    name: 'gateway.e2e.direct.batched',
    unit: 'events/s',
    description: 'baseline: the same as gateway.e2e.direct with the webhook batching 100 events per request',
    measure: () => directRate('batched'),
  },
  {
    name: 'gateway.e2e.delivered.batched',
    unit: 'events/s',
    description: 'gateway.e2e.delivered with the webhook batching 100 events per request',
    goal: { op: '>=', value: 20_000 },
    measure: () =>
      withGateway('batched', async (url, receiverUrl) => {
        await endToEndRate(url, receiverUrl, E2E_WARMUP)
        return rounds(3, () => endToEndRate(url, receiverUrl, E2E_EVENTS))
      }),
  },
  {
    name: 'gateway.e2e.delivered.batched.vs_direct',
    unit: 'ratio',
    description: 'gateway.e2e.delivered.batched / gateway.e2e.direct.batched',
    goal: { op: '>=', value: 0.7 },
    measure: (ctx) => ctx.get('gateway.e2e.delivered.batched') / ctx.get('gateway.e2e.direct.batched'),
  },
])
