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
const ROUNDS = 3

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
 * A baseline process pinned to the gateway's core (1), idle until asked: `run(arg)` sends
 * `run <arg>` and resolves with the `rate <n>` it prints.
 */
async function startBaseline(args: string[]) {
  const child = spawn('taskset', ['-c', '1', process.execPath, '--no-node-snapshot', ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  const next = async (prefix: string) => {
    const { value, done } = await lines.next()
    if (done || !value.startsWith(prefix)) throw new Error(`${args[0]} said ${done ? 'nothing' : value}`)
    return value.slice(prefix.length)
  }
  await next('ready')
  return {
    async run(arg: number): Promise<number> {
      child.stdin!.write(`run ${arg}\n`)
      return Number(await next('rate '))
    },
    async close() {
      const exited = new Promise((r) => child.once('exit', r))
      child.stdin!.end()
      await exited
    },
  }
}

/** Medians of a figure, its baseline and their ratio, from rounds run alternately. */
interface Pair {
  value: number
  baseline: number
  ratio: number
}

/**
 * Alternates `ROUNDS` rounds of `measure` and `baseline` after one warm-up of each, so a
 * figure and its baseline see the same load on this shared machine; the ratio is the median
 * of the ratios of adjacent rounds.
 */
async function alternate(measure: () => Promise<number>, baseline: () => Promise<number>): Promise<Pair> {
  await measure()
  await baseline()
  const values: number[] = []
  const baselines: number[] = []
  for (let i = 0; i < ROUNDS; i++) {
    values.push(await measure())
    baselines.push(await baseline())
  }
  return {
    value: median(values),
    baseline: median(baselines),
    ratio: median(values.map((v, i) => v / baselines[i]!)),
  }
}

/** Gateway ingest against a bare node:sqlite store of the same rows, alternately. */
function ingestVsStore(): Promise<Pair> {
  return withGateway('single', async (url) => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-bench-store-'))
    const store = await startBaseline([join(here, '_store-process.ts'), dir])
    try {
      await ingestRate(url, 500)
      return await alternate(
        () => ingestRate(url, 1_500),
        () => store.run(1_500),
      )
    } finally {
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
}

/**
 * Gateway end to end against core's pipeline delivering the same events to the same
 * receiver without a store, alternately; the receiver's count checks that the baseline
 * delivered every event.
 */
function e2eVsDirect(mode: 'single' | 'batched'): Promise<Pair> {
  return withGateway(mode, async (url, receiverUrl) => {
    const direct = await startBaseline([join(here, '_direct-process.ts'), receiverUrl, mode])
    try {
      await endToEndRate(url, receiverUrl, E2E_WARMUP)
      await direct.run(E2E_WARMUP)
      return await alternate(
        () => endToEndRate(url, receiverUrl, E2E_EVENTS),
        async () => {
          const before = await received(receiverUrl)
          const rate = await direct.run(E2E_EVENTS)
          const got = (await received(receiverUrl)) - before
          if (got !== E2E_EVENTS)
            throw new Error(`the receiver counted ${got} events from the direct baseline, not ${E2E_EVENTS}`)
          return rate
        },
      )
    } finally {
      await direct.close()
    }
  })
}

/** Each pair is measured once, by the first of its figures the run asks for. */
const pairs = new Map<string, Promise<Pair>>()
const pair = (key: string, measure: () => Promise<Pair>) => {
  if (!pairs.has(key)) pairs.set(key, measure())
  return pairs.get(key)!
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
    measure: async () => (await pair('ingest', ingestVsStore)).baseline,
  },
  {
    name: 'gateway.ingest.batch100',
    unit: 'events/s',
    description: `events acknowledged after a durable commit through /v1/batch, ${CLIENTS} concurrent clients posting ${BATCH} events each, gateway on one core while it also delivers`,
    goal: { op: '>=', value: 20_000 },
    measure: async () => (await pair('ingest', ingestVsStore)).value,
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
      'gateway.ingest.batch100 / gateway.ingest.store_baseline: what HTTP, validation, normalisation and the gateway around the store cost (median of the ratios of alternating rounds)',
    goal: { op: '>=', value: 0.5 },
    measure: async () => (await pair('ingest', ingestVsStore)).ratio,
  },
  {
    name: 'gateway.e2e.direct',
    unit: 'events/s',
    description: `baseline: core's pipeline.process (same pipeline, webhook with delivery.concurrency 32, one POST per event) delivering the same ${E2E_EVENTS.toLocaleString('en-US')} events to the same receiver without a store, ${CLIENTS} batches of ${BATCH} at a time, on one core`,
    measure: async () => (await pair('single', () => e2eVsDirect('single'))).baseline,
  },
  {
    name: 'gateway.e2e.delivered',
    unit: 'events/s',
    description:
      '20,000 events posted in batches of 100 until all arrive at a local receiver, one POST per event (webhook with delivery.concurrency 32, pass-through pipeline), gateway on one core',
    goal: { op: '>=', value: 10_000 },
    measure: async () => (await pair('single', () => e2eVsDirect('single'))).value,
  },
  {
    name: 'gateway.e2e.delivered.vs_direct',
    unit: 'ratio',
    description:
      'gateway.e2e.delivered / gateway.e2e.direct: what the durable store and HTTP ingestion cost end to end (median of the ratios of alternating rounds)',
    goal: { op: '>=', value: 0.7 },
    measure: async () => (await pair('single', () => e2eVsDirect('single'))).ratio,
  },
  {
    name: 'gateway.e2e.direct.batched',
    unit: 'events/s',
    description: 'baseline: the same as gateway.e2e.direct with the webhook batching 100 events per request',
    measure: async () => (await pair('batched', () => e2eVsDirect('batched'))).baseline,
  },
  {
    name: 'gateway.e2e.delivered.batched',
    unit: 'events/s',
    description: 'gateway.e2e.delivered with the webhook batching 100 events per request',
    goal: { op: '>=', value: 20_000 },
    measure: async () => (await pair('batched', () => e2eVsDirect('batched'))).value,
  },
  {
    name: 'gateway.e2e.delivered.batched.vs_direct',
    unit: 'ratio',
    description:
      'gateway.e2e.delivered.batched / gateway.e2e.direct.batched (median of the ratios of alternating rounds)',
    goal: { op: '>=', value: 0.7 },
    measure: async () => (await pair('batched', () => e2eVsDirect('batched'))).ratio,
  },
])
