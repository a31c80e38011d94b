import { defineBench, measureRate } from '../../../test/bench/_harness.ts'
import { normalizeEvent, type TrackEvent, validateEvent } from '../src/index.ts'

/** A ~350-byte track event, as analytics.js sends it. */
export const trackEvent: TrackEvent = {
  type: 'track',
  event: 'Order Completed',
  userId: 'user-8412',
  messageId: 'ajs-f8ca1e4de5024d94',
  timestamp: '2026-11-22T10:00:00.000Z',
  properties: { orderId: 'o-1001', total: 129.5, currency: 'EUR', items: 3 },
  context: {
    ip: '203.0.113.7',
    library: { name: 'analytics.js', version: '5.2.0' },
    page: { path: '/checkout', url: 'https://shop.example/checkout' },
  },
}

const BATCH = 1000
export default defineBench([
  {
    name: 'protocol.validate.track',
    unit: 'events/s',
    description: `validateEvent on a ${JSON.stringify(trackEvent).length}-byte track event, one core`,
    goal: { op: '>=', value: 500_000 },
    measure: () =>
      measureRate(() => {
        for (let i = 0; i < BATCH; i++)
          if (!validateEvent(trackEvent).ok) throw new Error('invalid bench event')
        return BATCH
      }),
  },
  {
    name: 'protocol.normalize.track',
    unit: 'events/s',
    description:
      'normalizeEvent (fixed receivedAt, counter ids) on the same event without messageId/timestamp',
    measure: () => {
      const { messageId: _m, timestamp: _t, ...event } = trackEvent
      let n = 0
      const options = { receivedAt: 1_700_000_000_000, messageId: () => `m${++n}` }
      return measureRate(() => {
        for (let i = 0; i < BATCH; i++) normalizeEvent({ ...event, type: 'track' }, options)
        return BATCH
      })
    },
  },
])
