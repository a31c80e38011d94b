// The load of the gateway benchmark and of its same-run baselines: the same events, the
// same /v1/batch bodies, so every figure and its baseline handle identical data.

export const WRITE_KEY = 'wk_bench_0123456789'
export const CLIENTS = 8
export const BATCH = 100

/** A ~400-byte track event, as analytics.js sends it. */
export const event = (batch: number, i: number) => ({
  type: 'track',
  event: 'Order Completed',
  userId: `user-${(batch * BATCH + i) % 5000}`,
  messageId: `b${batch}-${i}`,
  timestamp: '2026-01-15T10:00:00.000Z',
  properties: { orderId: `o-${batch}-${i}`, total: 129.5, currency: 'EUR', items: 3 },
  context: { library: { name: 'analytics.js', version: '5.2.0' }, page: { path: '/checkout' } },
})

/** 64 distinct pre-serialised batch bodies, cycled: the load generator must stay cheap. */
export const bodies = Array.from({ length: 64 }, (_, b) =>
  JSON.stringify({
    batch: Array.from({ length: BATCH }, (_, i) => event(b, i)),
    sentAt: '2026-01-15T10:00:01.000Z',
  }),
)

/** The pipeline the gateway runs, and the direct baseline too: one webhook to the receiver. */
export const pipelineYaml = (receiverUrl: string, batched: boolean) => `
name: bench
sources:
  - id: web
    writeKey: ${WRITE_KEY}
destinations:
  - id: receiver
    use: "@patchbay/destination-webhook@^0"
    config:
      url: "${receiverUrl}/events"
      ${batched ? 'batch: { enabled: true, maxEvents: 100 }' : ''}
    delivery: { concurrency: 32 }
egress: { allow: ["127.0.0.1"] }
`
