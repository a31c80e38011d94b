import type { EventType, PatchbayEvent } from '@patchbay/protocol'

/**
 * One valid, normalised-looking event of each type, with fixed ids and times. Deep-frozen:
 * every check shares them, so a plugin that mutates one fails there and then, instead of
 * changing what the checks after it see.
 */
export const SAMPLE_EVENTS: Readonly<Record<EventType, PatchbayEvent>> = deepFreeze({
  track: {
    type: 'track',
    event: 'Order Completed',
    userId: 'user-1',
    anonymousId: 'anon-1',
    messageId: 'contract-track-1',
    timestamp: '2026-11-22T10:00:00.000Z',
    properties: { orderId: 'o-1', total: 19.5, currency: 'EUR' },
    context: { ip: '203.0.113.7', library: { name: 'contract', version: '1.0.0' } },
  },
  identify: {
    type: 'identify',
    userId: 'user-1',
    messageId: 'contract-identify-1',
    timestamp: '2026-11-22T10:00:00.000Z',
    traits: { email: 'ada@example.com', plan: 'pro' },
  },
  page: {
    type: 'page',
    anonymousId: 'anon-1',
    messageId: 'contract-page-1',
    timestamp: '2026-11-22T10:00:00.000Z',
    name: 'Pricing',
    properties: { path: '/pricing', url: 'https://shop.example/pricing' },
  },
  screen: {
    type: 'screen',
    userId: 'user-1',
    messageId: 'contract-screen-1',
    timestamp: '2026-11-22T10:00:00.000Z',
    name: 'Home',
    properties: { from: 'launch' },
  },
  group: {
    type: 'group',
    userId: 'user-1',
    groupId: 'acct-1',
    messageId: 'contract-group-1',
    timestamp: '2026-11-22T10:00:00.000Z',
    traits: { name: 'Initech' },
  },
  alias: {
    type: 'alias',
    userId: 'user-1',
    previousId: 'anon-1',
    messageId: 'contract-alias-1',
    timestamp: '2026-11-22T10:00:00.000Z',
  },
} satisfies Record<EventType, PatchbayEvent>)

/** Deep-freezes a value, so a plugin that mutates its input throws a TypeError. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
