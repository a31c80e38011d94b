// The warehouse destinations' load benchmarks share their events: the same rows for DuckDB and PostgreSQL.
/** `n` track events of ~10 kinds, as an SDK sends them (deterministic). */
export function benchEvents(n: number, prefix: string) {
  return Array.from({ length: n }, (_, i) => ({
    type: 'track' as const,
    event: `Event ${i % 10}`,
    messageId: `${prefix}-${i}`,
    userId: `user-${i % 997}`,
    anonymousId: `anon-${i % 997}`,
    timestamp: '2026-12-01T10:00:00.000Z',
    sentAt: '2026-12-01T10:00:00.100Z',
    receivedAt: '2026-12-01T10:00:00.200Z',
    properties: {
      orderId: `o-${i}`,
      total: i / 10,
      items: i % 7,
      paid: i % 2 === 0,
      shipping: { method: 'express' },
    },
    context: {
      ip: '203.0.113.7',
      library: { name: 'analytics-node', version: '2.1.0' },
      page: { path: '/checkout' },
    },
  }))
}
