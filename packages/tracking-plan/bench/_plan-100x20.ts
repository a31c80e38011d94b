// A plan of 100 track events with 20 properties each, and events that follow it: the load
// of the plan benchmarks (deterministic: no random values).
import type { TrackingPlan } from '../src/index.ts'

const KINDS = ['string', 'number', 'integer', 'boolean'] as const

export const EVENTS = 100
export const PROPERTIES = 20

export const plan100x20: TrackingPlan = {
  name: 'bench',
  version: 1,
  settings: { additionalProperties: false },
  track: Object.fromEntries(
    Array.from({ length: EVENTS }, (_, e) => [
      `Event ${e}`,
      {
        properties: Object.fromEntries(
          Array.from({ length: PROPERTIES }, (_, p) => [
            `prop_${p}`,
            p === 0 ? { type: 'string', enum: ['a', 'b', 'c'] } : { type: KINDS[p % KINDS.length] },
          ]),
        ),
        required: Array.from({ length: 10 }, (_, p) => `prop_${p}`),
      },
    ]),
  ),
}

/** The properties of a valid event of the plan. */
export function properties(n: number): Record<string, unknown> {
  return Object.fromEntries(
    Array.from({ length: PROPERTIES }, (_, p) => {
      if (p === 0) return [`prop_${p}`, ['a', 'b', 'c'][n % 3]]
      const kind = KINDS[p % KINDS.length]
      return [
        `prop_${p}`,
        kind === 'string' ? `v${n}-${p}` : kind === 'number' ? n + 0.5 : kind === 'integer' ? n : n % 2 === 0,
      ]
    }),
  )
}

export const trackEvent = (n: number) => ({
  type: 'track' as const,
  event: `Event ${n % EVENTS}`,
  userId: `user-${n % 5000}`,
  messageId: `m-${n}`,
  timestamp: '2026-01-15T10:00:00.000Z',
  properties: properties(n),
})
