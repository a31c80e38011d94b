import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { defineBench } from '../../../test/bench/_harness.ts'
import { BATCH, type Soak } from './_soak-run.ts'

/**
 * The soak: 5 million events through one sandbox (two workers), in batches of 100, one batch
 * at a time, with a transform that returns a changed copy of each event (so every batch's
 * output crosses back as JSON of about 40 KB). Memory is sampled every 50,000 events after
 * a warm-up of 200,000; the figures are the highest samples, and how far the host grew. It
 * runs in a process of its own (_soak-run.ts), so that the host's memory is the soak's alone.
 */
let soaked: Promise<Soak> | undefined
function soak(): Promise<Soak> {
  soaked ??= promisify(execFile)(
    process.execPath,
    [...process.execArgv, fileURLToPath(new URL('./_soak-run.ts', import.meta.url))],
    { encoding: 'utf8', maxBuffer: 1024 * 1024 },
  ).then(({ stdout }) => JSON.parse(stdout) as Soak)
  return soaked
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
