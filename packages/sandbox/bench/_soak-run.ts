/**
 * The soak itself, run by soak.bench.ts in a Node process of its own: its host figures are
 * this process's memory, not that of a bench runner that has just run other benches (in the
 * runner the host grew 290 MiB during the soak; alone it grows about 4). Prints one JSON line.
 *
 * `node --no-node-snapshot _soak-run.ts`
 */
import { trackEvent } from '../../../test/bench/_fixtures.ts'
import { createSandbox } from '../src/index.ts'

export const EVENTS = 5_000_000
export const BATCH = 100
const WARMUP = 200_000
const SAMPLE_EVERY = 50_000
const MB = 2 ** 20

const SOURCE = `export function transformEvent(event, metadata) {
  if (event.event === 'Heartbeat') return null
  return { ...event, properties: { ...event.properties, totalCents: Math.round(event.properties.total * 100) }, context: { ...event.context, sourceId: metadata(event).sourceId } }
}`

export interface Soak {
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

async function soak(): Promise<Soak> {
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
    return {
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
  } finally {
    await sandbox.dispose()
  }
}

if (import.meta.main) process.stdout.write(`${JSON.stringify(await soak())}\n`)
