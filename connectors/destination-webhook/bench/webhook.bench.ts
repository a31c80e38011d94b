import { compileConfig, type PluginLogger, runtimeServices } from '@patchbay/core'
import { defineBench, measureRate } from '../../../test/bench/_harness.ts'
import { createWebhookDestination, verifySignature, WebhookConfigSchema } from '../src/index.ts'

const NOW_MS = 1_768_471_200_000
const webhook = createWebhookDestination({ now: () => NOW_MS })
const logger: PluginLogger = { debug() {}, info() {}, warn() {}, error() {} }
const compiled = compileConfig(WebhookConfigSchema)
const ctx = (input: Record<string, unknown>) => ({
  ...runtimeServices,
  config: compiled.parse(input),
  logger,
  plugin: 'bench',
})

/** A ~400-byte track event, as analytics.js sends it. */
const event = {
  type: 'track' as const,
  event: 'Order Completed',
  userId: 'user-8412',
  messageId: 'ajs-f8ca1e4de5024d94',
  timestamp: '2026-01-15T10:00:00.000Z',
  properties: { orderId: 'o-1001', total: 129.5, currency: 'EUR', items: 3, shipping: { method: 'express' } },
  context: {
    ip: '203.0.113.7',
    library: { name: 'analytics.js', version: '5.2.0' },
    page: { path: '/checkout', url: 'https://shop.example/checkout' },
  },
}
const SECRET = 'whsec_bench_0123456789abcdef'
const signed = ctx({
  url: 'https://hooks.example.com/users/{{userId}}',
  auth: { type: 'bearer', token: 'tok_bench_0123456789' },
  signing: { secret: SECRET },
})
const plain = ctx({ url: 'https://hooks.example.com/in' })
const batched = ctx({ url: 'https://hooks.example.com/in', batch: { enabled: true, maxEvents: 100 } })
const BATCH = 1000
const events = Array.from({ length: BATCH }, (_, i) => ({ ...event, messageId: `m-${i}` }))

export default defineBench([
  {
    name: 'webhook.transform.plain',
    unit: 'events/s',
    description: `transform: one ${JSON.stringify(event).length}-byte track event to a JSON POST, one core`,
    measure: () =>
      measureRate(async () => {
        for (const e of events) await webhook.transform(e, plain)
        return BATCH
      }),
  },
  {
    name: 'webhook.transform.signed',
    unit: 'events/s',
    description: 'transform with a URL template, bearer auth and an HMAC-SHA256 signature',
    measure: () =>
      measureRate(async () => {
        for (const e of events) await webhook.transform(e, signed)
        return BATCH
      }),
  },
  {
    name: 'webhook.transformBatch',
    unit: 'events/s',
    description: 'transformBatch: 1000 events to JSON-array requests of 100',
    measure: () =>
      measureRate(async () => {
        for (let i = 0; i < BATCH; i += 100) await webhook.transformBatch!(events.slice(i, i + 100), batched)
        return BATCH
      }),
  },
  {
    name: 'webhook.verifySignature',
    unit: 'checks/s',
    description: 'verifySignature on a ~400-byte body (receiver side)',
    measure: async () => {
      const request = (await webhook.transform(event, signed)) as {
        url: string
        body: string
        headers: Record<string, string>
      }
      const header = request.headers['patchbay-signature']!
      const target = new URL(request.url).pathname + new URL(request.url).search
      const messageId = request.headers['x-patchbay-message-id']
      const now = () => NOW_MS
      return measureRate(() => {
        for (let i = 0; i < BATCH; i++)
          if (!verifySignature(request.body, header, SECRET, { method: 'POST', target, messageId, now }).ok)
            throw new Error('bad signature')
        return BATCH
      })
    },
  },
])
