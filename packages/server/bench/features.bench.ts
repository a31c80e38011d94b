import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { Agent, request } from 'undici'
import { defineBench, median } from '../../../test/bench/_harness.ts'
import type { Feature } from './_features.ts'
import { drained, ingestRate, spawnReady, stop } from './_processes.ts'

// What a gateway feature costs at ingest (issues 19 and 21): two gateways on the same core,
// one with the feature and one without, measured in alternating rounds of one run. After
// each round the receiver must have every event acknowledged so far before the next round
// starts, so neither gateway's processing of the last round runs into the other's, and a
// feature that drops the bench's events (a plan they do not follow) fails the bench.

const here = new URL('.', import.meta.url).pathname
const ROUNDS = 5
const ROUND_MS = 1_500
const agent = new Agent({ connections: 2, pipelining: 1, keepAliveTimeout: 60_000 })

/**
 * Fails unless `feature` did its work in the gateway that has it: the plan counted the
 * events it validated (/metrics), or the identity graph holds the bench's 5,000 users.
 */
async function checkOn(feature: Feature, url: string, dir: string, sent: number): Promise<void> {
  if (feature === 'plan') {
    const res = await request(`${url}/metrics`, { dispatcher: agent })
    const text = await res.body.text()
    const validated = [...text.matchAll(/^patchbay_plan_events_total\{[^}]*\} (\d+)/gm)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    )
    if (validated === 0)
      throw new Error('the gateway with a plan validated no event (patchbay_plan_events_total)')
    return
  }
  const db = new DatabaseSync(join(dir, 'identity.db'), { readOnly: true })
  try {
    const { n } = db.prepare('SELECT count(*) AS n FROM identity_nodes').get() as { n: number }
    if (n < 5000)
      throw new Error(`the identity graph has ${n} identifiers after ${sent} events of 5,000 users`)
  } finally {
    db.close()
  }
}

/** The median ingest rate with and without `feature`, and the median ratio of adjacent rounds. */
async function ingestWithAndWithout(
  feature: Feature,
): Promise<{ with: number; without: number; ratio: number }> {
  const dirs = [mkdtempSync(join(tmpdir(), 'pb-bench-off-')), mkdtempSync(join(tmpdir(), 'pb-bench-on-'))]
  const receiver = await spawnReady([join(here, '_receiver-process.ts')], 0)
  const off = await spawnReady([join(here, '_gateway-process.ts'), dirs[0]!, receiver.url, 'single'], 1)
  const on = await spawnReady([join(here, '_gateway-process.ts'), dirs[1]!, receiver.url, 'single'], 1, {
    PB_BENCH_FEATURE: feature,
  })
  const sent = { events: 0 }
  try {
    const round = async (gateway: { url: string }, ms: number, what: string) => {
      const rate = await ingestRate(gateway.url, ms, sent)
      await drained(receiver.url, sent.events, what)
      return rate
    }
    await round(off, 500, 'warm-up without')
    await round(on, 500, `warm-up with ${feature}`)
    const without: number[] = []
    const withIt: number[] = []
    for (let i = 0; i < ROUNDS; i++) {
      without.push(await round(off, ROUND_MS, 'without'))
      withIt.push(await round(on, ROUND_MS, `with ${feature}`))
    }
    await checkOn(feature, on.url, dirs[1]!, sent.events)
    return {
      with: median(withIt),
      without: median(without),
      ratio: median(withIt.map((w, i) => w / without[i]!)),
    }
  } finally {
    await Promise.all([stop(off.child), stop(on.child)])
    await stop(receiver.child)
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  }
}

const measured = new Map<Feature, Promise<{ with: number; without: number; ratio: number }>>()
const of = (feature: Feature) => {
  if (!measured.has(feature)) measured.set(feature, ingestWithAndWithout(feature))
  return measured.get(feature)!
}

export default defineBench([
  {
    name: 'gateway.ingest.plan',
    unit: 'events/s',
    description:
      'durable ingest (batches of 100, 8 clients) with a tracking plan enforced on every event (all follow it), gateway on one core',
    measure: async () => (await of('plan')).with,
  },
  {
    name: 'gateway.ingest.plan.vs_without',
    unit: 'ratio',
    description:
      'the same against the same gateway without a plan, alternating rounds of one run (median ratio)',
    goal: { op: '>=', value: 0.9 },
    measure: async () => (await of('plan')).ratio,
  },
  {
    name: 'gateway.ingest.identity',
    unit: 'events/s',
    description: 'durable ingest with identity stitching on (identity: {}), 5,000 users, gateway on one core',
    measure: async () => (await of('identity')).with,
  },
  {
    name: 'gateway.ingest.identity.vs_without',
    unit: 'ratio',
    description:
      'the same against the same gateway without stitching, alternating rounds of one run (median ratio)',
    goal: { op: '>=', value: 0.8 },
    measure: async () => (await of('identity')).ratio,
  },
])
