/** Fixtures several benchmarks share, so their figures compare like with like. */

/** A ~350-byte track event, as analytics.js sends it. */
export const trackEvent = {
  type: 'track' as const,
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
