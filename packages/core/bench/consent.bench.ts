import { normalizeEvent, validateEvent } from '@patchbay/protocol'
import { defineBench, measureRate, median } from '../../../test/bench/_harness.ts'
import { type ConsentRequirement, type RouteTarget, route } from '../src/index.ts'

// The ingest/route path with a consent check on every event at every destination, against
// the same path without consent requirements, measured in the same run: per event, what the
// gateway does from the raw SDK event to its jobs (validate, normalise, route), minus the store.

/** ~450-byte track events; every one carries consent, in Segment's or RudderStack's shape. */
const events = Array.from({ length: 1000 }, (_, i) => ({
  type: 'track',
  event: 'Order Completed',
  userId: `user-${i % 50}`,
  messageId: `bench-${i}`,
  timestamp: '2026-11-22T10:00:00.000Z',
  properties: { orderId: `o-${i}`, total: 129.5, currency: 'EUR', items: 3 },
  context: {
    ip: '203.0.113.7',
    library: { name: 'analytics.js', version: '5.2.0' },
    page: { path: '/checkout' },
    ...(i % 2 === 0
      ? { consent: { categoryPreferences: { Analytics: true, Advertising: i % 4 === 0, Functional: true } } }
      : {
          consentManagement: {
            provider: 'oneTrust',
            allowedConsentIds: ['C0001', 'C0002'],
            deniedConsentIds: i % 3 === 0 ? ['C0004'] : [],
          },
        }),
  },
}))

const target = (id: string, consent?: ConsentRequirement): RouteTarget => ({
  id,
  label: `destinations.${id}`,
  source: 'bench@1.0.0',
  names: [id],
  filter: undefined,
  supports: ['track', 'identify', 'page', 'screen', 'group', 'alias'],
  ...(consent ? { consent } : {}),
})
/** Three destinations, as in the SDK test: one without requirements, two with. */
const withConsent = [
  target('warehouse'),
  target('analytics', { categories: ['Analytics', 'C0002'], match: 'any' }),
  target('ads', { categories: ['Advertising', 'C0004'], match: 'all' }),
]
const withoutConsent = withConsent.map(({ consent: _, ...t }) => t)

function ingestRoute(targets: readonly RouteTarget[]) {
  const receivedAt = new Date('2026-11-22T10:00:01.000Z')
  let routed = 0
  return () => {
    for (const raw of events) {
      const checked = validateEvent(raw)
      if (!checked.ok) throw new Error('bench event is invalid')
      const event = normalizeEvent(checked.event, { receivedAt })
      for (const d of route(event, targets, { whenMissing: 'deny' })) if (d.status === 'routed') routed++
    }
    if (routed < 0) throw new Error('unreachable')
    return events.length
  }
}

/**
 * Rates with and without consent, in alternating rounds (this machine is shared and noisy:
 * both sides see the same load), and the median of the per-pair ratios.
 */
async function interleaved(a: () => number, b: () => number, pairs = 9) {
  const as: number[] = []
  const bs: number[] = []
  const ratios: number[] = []
  for (let i = 0; i < pairs; i++) {
    const ra = await measureRate(a, { rounds: 1, roundMs: 200, warmupMs: i === 0 ? 200 : 20 })
    const rb = await measureRate(b, { rounds: 1, roundMs: 200, warmupMs: i === 0 ? 200 : 20 })
    as.push(ra)
    bs.push(rb)
    ratios.push(rb / ra)
  }
  return { without: median(as), with: median(bs), ratio: median(ratios) }
}

let ingest: Promise<{ without: number; with: number; ratio: number }> | undefined
const ingestFigures = () => {
  ingest ??= interleaved(ingestRoute(withoutConsent), ingestRoute(withConsent))
  return ingest
}

function routeOnly(targets: readonly RouteTarget[]) {
  const receivedAt = new Date('2026-11-22T10:00:01.000Z')
  const normalized = events.map((raw) => {
    const checked = validateEvent(raw)
    if (!checked.ok) throw new Error('bench event is invalid')
    return normalizeEvent(checked.event, { receivedAt })
  })
  return () => {
    for (const event of normalized) route(event, targets, { whenMissing: 'deny' })
    return normalized.length
  }
}

export default defineBench([
  {
    name: 'core.consent.ingest-route.baseline',
    unit: 'events/s',
    description: 'validate + normalise + route to 3 destinations, no consent requirements',
    measure: async () => (await ingestFigures()).without,
  },
  {
    name: 'core.consent.ingest-route',
    unit: 'events/s',
    description: 'the same, with a consent check on every event (2 of 3 destinations need consent)',
    measure: async () => (await ingestFigures()).with,
  },
  {
    name: 'core.consent.ingest-route.ratio',
    unit: 'ratio',
    description:
      'with consent / without, median of alternating pairs (the issue’s figure also has 100k suppressed ids: regulations are not built)',
    goal: { op: '>=', value: 0.9 },
    measure: async () => (await ingestFigures()).ratio,
  },
  {
    name: 'core.consent.route-only.ratio',
    unit: 'ratio',
    description: 'route stage alone, with consent / without: the cost of reading consent, undiluted',
    measure: async () => (await interleaved(routeOnly(withoutConsent), routeOnly(withConsent))).ratio,
  },
])
