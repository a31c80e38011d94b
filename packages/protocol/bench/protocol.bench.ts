import { trackEvent } from '../../../test/bench/_fixtures.ts'
import { defineBench, measureRate } from '../../../test/bench/_harness.ts'
import { normalizeEvent, validateEvent } from '../src/index.ts'

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
