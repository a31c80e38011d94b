import { trackEvent } from '../../../test/bench/_fixtures.ts'
import {
  defineBench,
  measureLatencies,
  measureRate,
  median,
  percentile,
} from '../../../test/bench/_harness.ts'
import { createSandbox, type SandboxTransform } from '../src/index.ts'

type Event = typeof trackEvent & { properties: { totalCents?: number }; context: { sourceId?: string } }
type Metadata = (event: unknown) => { sourceId?: string }

/** The small filter-and-enrich transform, in-process... */
function transformEvent(event: Event, metadata: Metadata) {
  if (event.event === 'Heartbeat') return null
  event.properties.totalCents = Math.round(event.properties.total * 100)
  event.context.sourceId = metadata(event).sourceId
  return event
}
/** ...and the same code as a user would hand it to the sandbox. */
const SOURCE = `export function transformEvent(event, metadata) {
  if (event.event === 'Heartbeat') return null
  event.properties.totalCents = Math.round(event.properties.total * 100)
  event.context.sourceId = metadata(event).sourceId
  return event
}`

const batchOf = (n: number) => Array.from({ length: n }, (_, i) => ({ ...trackEvent, messageId: `ajs-${i}` }))
const sandbox = createSandbox()
let compiled: SandboxTransform | undefined
const transform = async () => {
  compiled ??= await sandbox.compile(SOURCE, { filename: 'bench-transform.js' })
  return compiled
}
const meta = { sourceId: 'web' }

const sandboxRate = (n: number) => async () => {
  const t = await transform()
  const events = batchOf(n)
  return measureRate(async () => {
    const { results } = await t.run(events, meta)
    if (!results[0]!.ok) throw results[0]!.error
    return n
  })
}

let latencies: number[] | undefined
const batch1Latencies = async () => {
  if (!latencies) {
    const t = await transform()
    const events = batchOf(1)
    latencies = await measureLatencies(() => t.run(events, meta), { count: 5000, warmup: 500 })
  }
  return latencies
}

let uniq = 0
export default defineBench([
  {
    name: 'sandbox.baseline.in-process',
    unit: 'events/s',
    description: `the same transform in-process on a structuredClone of each ${JSON.stringify(trackEvent).length}-byte event`,
    measure: () => {
      const events = batchOf(1000)
      const metadata: Metadata = () => meta
      return measureRate(() => {
        for (const e of events)
          if (!transformEvent(structuredClone(e) as Event, metadata)) throw new Error('dropped')
        return events.length
      })
    },
  },
  {
    name: 'sandbox.batch1',
    unit: 'events/s',
    description: 'sandboxed, one event per batch (one boundary crossing each)',
    measure: sandboxRate(1),
  },
  {
    name: 'sandbox.batch100',
    unit: 'events/s',
    description: 'sandboxed, 100 events per batch',
    measure: sandboxRate(100),
  },
  {
    name: 'sandbox.batch1000',
    unit: 'events/s',
    description: 'sandboxed, 1000 events per batch',
    measure: sandboxRate(1000),
  },
  {
    name: 'sandbox.ratio.batch100',
    unit: 'ratio',
    description: 'sandbox.batch100 / sandbox.baseline.in-process',
    goal: { op: '>=', value: 0.8 },
    measure: (ctx) => ctx.get('sandbox.batch100') / ctx.get('sandbox.baseline.in-process'),
  },
  {
    name: 'sandbox.ratio.batch1000',
    unit: 'ratio',
    description: 'sandbox.batch1000 / sandbox.baseline.in-process',
    goal: { op: '>=', value: 0.8 },
    measure: (ctx) => ctx.get('sandbox.batch1000') / ctx.get('sandbox.baseline.in-process'),
  },
  {
    name: 'sandbox.batch1.p50',
    unit: 'ms',
    description: 'latency of a warm batch of one event, median of 5000',
    measure: async () => median(await batch1Latencies()),
  },
  {
    name: 'sandbox.batch1.p99',
    unit: 'ms',
    description: 'latency of a warm batch of one event, 99th percentile of 5000',
    goal: { op: '<=', value: 1 },
    measure: async () => percentile(await batch1Latencies(), 99),
  },
  {
    name: 'sandbox.compile.cold',
    unit: 'ms',
    description: 'compile a transform never seen before (new context, module, export check), median of 50',
    goal: { op: '<=', value: 25 },
    measure: async () => {
      await transform() // the sandbox and its first isolate are up
      const times: number[] = []
      for (let i = 0; i < 50; i++) {
        const code = `${SOURCE}\n// variant ${uniq++}`
        const start = performance.now()
        const t = await sandbox.compile(code, { filename: `cold-${uniq}.js` })
        times.push(performance.now() - start)
        t.dispose()
      }
      return median(times)
    },
  },
  {
    name: 'sandbox.start',
    unit: 'ms',
    description: 'createSandbox, first compile (new isolate) and dispose, median of 20',
    measure: async () => {
      const times: number[] = []
      for (let i = 0; i < 20; i++) {
        const start = performance.now()
        const fresh = createSandbox()
        await fresh.compile(`${SOURCE}\n// variant ${uniq++}`, { filename: 'start.js' })
        await fresh.dispose()
        times.push(performance.now() - start)
      }
      return median(times)
    },
  },
  {
    name: 'sandbox.compile.cold.ts',
    unit: 'ms',
    description: 'the same for TypeScript (esbuild transpile + source map), median of 50',
    goal: { op: '<=', value: 25 },
    measure: async () => {
      const times: number[] = []
      for (let i = 0; i < 50; i++) {
        const code = `export function transformEvent(event: { event?: string }, metadata: (e: unknown) => { sourceId?: string }): unknown {
  if (event.event === 'Heartbeat') return null
  return { ...event, sourceId: metadata(event).sourceId }
}
// variant ${uniq++}`
        const start = performance.now()
        const t = await sandbox.compile(code, { filename: `cold-${uniq}.ts` })
        times.push(performance.now() - start)
        t.dispose()
      }
      return median(times)
    },
  },
])
