import { trackEvent } from '../../../test/bench/_fixtures.ts'
import { defineBench } from '../../../test/bench/_harness.ts'
import { createSandbox } from '../src/index.ts'

/**
 * The soak: 5 million events through one sandbox (two workers), in batches of 100, one batch
 * at a time, with a transform that returns a changed copy of each event (so every batch's
 * output crosses back as JSON of about 40 KB). Memory is sampled every 50,000 events after
 * a warm-up of 200,000; the figures are the highest samples, and how far the host grew.
 */
const EVENTS = 5_000_000
const BATCH = 100
const WARMUP = 200_000
const SAMPLE_EVERY = 50_000
const MB = 2 ** 20

const SOURCE = `export function transformEvent(event, metadata) {
  if (event.event === 'Heartbeat') return null
  return { ...event, properties: { ...event.properties, totalCents: Math.round(event.properties.total * 100) }, context: { ...event.context, sourceId: metadata(event).sourceId } }
}`

interface Soak {
  rate: number
  failed: number
  workerRss: number
  workerRssGrowth: number
  workerExternal: number
  hostRssGrowth: number
  hostExternal: number
  /** Workers started and not alive at the end: each one was killed and replaced. */
  workersReplaced: number
}

let soaked: Soak | undefined
async function soak(): Promise<Soak> {
  if (soaked) return soaked
  const sandbox = createSandbox()
  try {
    const t = await sandbox.compile(SOURCE, { filename: 'soak.js' })
    const events = Array.from({ length: BATCH }, (_, i) => ({ ...trackEvent, messageId: `ajs-${i}` }))
    let failed = 0
    let workerRss = 0
    let workerExternal = 0
    let hostExternal = 0
    let hostRssAtWarmup = 0
    let workerRssAtWarmup = 0
    let hostRss = 0
    let start = 0
    for (let done = 0; done < EVENTS; done += BATCH) {
      if (done === WARMUP) {
        hostRssAtWarmup = sandbox.stats().hostRssBytes
        workerRssAtWarmup = sandbox.stats().workerRssBytes
        start = performance.now()
      }
      const { results } = await t.run(events, { sourceId: 'web' })
      for (const r of results) if (!r.ok) failed++
      if (done >= WARMUP && done % SAMPLE_EVERY === 0) {
        const s = sandbox.stats()
        workerRss = Math.max(workerRss, s.workerRssBytes)
        workerExternal = Math.max(workerExternal, s.workerExternalBytes)
        hostExternal = Math.max(hostExternal, s.hostExternalBytes)
        hostRss = Math.max(hostRss, s.hostRssBytes)
      }
    }
    const rate = ((EVENTS - WARMUP) / (performance.now() - start)) * 1000
    soaked = {
      rate,
      failed,
      workerRss: workerRss / MB,
      workerRssGrowth: (workerRss - workerRssAtWarmup) / MB,
      workerExternal: workerExternal / MB,
      hostRssGrowth: (hostRss - hostRssAtWarmup) / MB,
      hostExternal: hostExternal / MB,
      // A batch at a time may need only one of the two workers (a busy machine does not spread
      // a batch), so what counts is how many died, not how many started.
      workersReplaced: sandbox.stats().workersStarted - sandbox.stats().workers,
    }
    return soaked
  } finally {
    await sandbox.dispose()
  }
}

export default defineBench([
  {
    name: 'sandbox.soak.5m.rate',
    unit: 'events/s',
    description: `5M events through one sandbox (2 workers), batches of ${BATCH}, one at a time`,
    measure: async () => (await soak()).rate,
  },
  {
    name: 'sandbox.soak.5m.failed',
    unit: 'events',
    description: 'events that failed in the soak (workers replaced show up here too)',
    goal: { op: '<=', value: 0 },
    measure: async () => {
      const s = await soak()
      return s.failed + s.workersReplaced * BATCH
    },
  },
  {
    name: 'sandbox.soak.5m.worker-rss',
    unit: 'MiB',
    description: 'highest resident memory of the two workers together, sampled every 50k events',
    goal: { op: '<=', value: 512 },
    measure: async () => (await soak()).workerRss,
  },
  {
    name: 'sandbox.soak.5m.worker-rss-growth',
    unit: 'MiB',
    description: 'how far the workers grew after the warm-up, together',
    goal: { op: '<=', value: 128 },
    measure: async () => (await soak()).workerRssGrowth,
  },
  {
    name: 'sandbox.soak.5m.worker-external',
    unit: 'MiB',
    description: "highest external memory of the workers together (isolates' output strings, IPC buffers)",
    goal: { op: '<=', value: 128 },
    measure: async () => (await soak()).workerExternal,
  },
  {
    name: 'sandbox.soak.5m.host-rss-growth',
    unit: 'MiB',
    description:
      'how far the host process grew after the 200k-event warm-up (was ~190 B/event, ~900 MiB at 5M)',
    goal: { op: '<=', value: 32 },
    measure: async () => (await soak()).hostRssGrowth,
  },
  {
    name: 'sandbox.soak.5m.host-external',
    unit: 'MiB',
    description: 'highest external memory of the host process',
    goal: { op: '<=', value: 64 },
    measure: async () => (await soak()).hostExternal,
  },
])
