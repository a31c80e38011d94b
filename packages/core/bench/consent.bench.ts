import { normalizeEvent, validateEvent } from '@patchbay/protocol'
import { defineBench, measureRate } from '../../../test/bench/_harness.ts'
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

export default defineBench([
  {
    name: 'core.consent.ingest-route.baseline',
    unit: 'events/s',
    description: 'validate + normalise + route to 3 destinations, no consent requirements',
    measure: () => measureRate(ingestRoute(withoutConsent)),
  },
  {
    name: 'core.consent.ingest-route',
    unit: 'events/s',
    description: 'the same, with a consent check on every event (2 of 3 destinations need consent)',
    measure: () => measureRate(ingestRoute(withConsent)),
  },
  {
    name: 'core.consent.ingest-route.ratio',
    unit: 'ratio',
    description:
      'with consent / without, same run (the issue’s figure also has 100k suppressed ids: regulations are not built)',
    goal: { op: '>=', value: 0.9 },
    measure: (ctx) => ctx.get('core.consent.ingest-route') / ctx.get('core.consent.ingest-route.baseline'),
  },
  {
    name: 'core.consent.route-only.ratio',
    unit: 'ratio',
    description: 'route stage alone, with consent / without (the upper bound of the overhead)',
    measure: async () => {
      const normalized = events.map((raw) => {
        const checked = validateEvent(raw)
        if (!checked.ok) throw new Error('bench event is invalid')
        return normalizeEvent(checked.event, { receivedAt: new Date('2026-11-22T10:00:01.000Z') })
      })
      const rate = (targets: readonly RouteTarget[]) =>
        measureRate(() => {
          for (const event of normalized) route(event, targets, { whenMissing: 'deny' })
          return normalized.length
        })
      const without = await rate(withoutConsent)
      const withC = await rate(withConsent)
      return withC / without
    },
  },
])
