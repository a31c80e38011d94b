import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import Type from 'typebox'
import { defineBench, measureRate } from '../../../test/bench/_harness.ts'
import {
  createDeliverer,
  createMemoryTransport,
  createPipeline,
  defineDestination,
  defineTransformation,
  PluginRegistry,
  parsePipeline,
  resolveDeliveryOptions,
} from '../src/index.ts'

const passThrough = defineTransformation({
  name: 'bench-pass',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({}),
  transformEvent: (event) => event,
})

const sink = defineDestination({
  name: 'bench-sink',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({ url: Type.String() }),
  supports: ['track', 'identify', 'page', 'screen', 'group', 'alias'],
  transform: (event, { config }) => ({ method: 'POST', url: config.url, body: event }),
  transformBatch: (events, { config }) => [
    { request: { method: 'POST', url: config.url, body: events }, events: events.map((_, i) => i) },
  ],
  batch: (config) => (config.url.includes('batch') ? { maxEvents: 100 } : undefined),
})

const registry = () => new PluginRegistry().add(passThrough).add(sink)

/** A ~350-byte track event; distinct messageIds so nothing is deduplicated. */
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
  },
}))

async function enginePipeline(url: string, memory: boolean, transformation: boolean) {
  const yaml = `
egress: { allow: ["127.0.0.1"] }
${transformation ? 'transformations:\n  - id: pass\n    use: bench-pass\n' : ''}destinations:
  - id: sink
    use: bench-sink
    config: { url: "${url}" }
    delivery: { concurrency: 16 }
`
  return createPipeline(parsePipeline(yaml, { file: 'bench.yaml', env: {} }), {
    registry: registry(),
    ...(memory
      ? {
          createDeliverer: (dest) =>
            createDeliverer({
              transport: createMemoryTransport(undefined, { keep: false }),
              options: resolveDeliveryOptions(),
              label: dest.label,
              record: false,
            }),
        }
      : {}),
  })
}

async function localServer() {
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'))
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() }
}

/** Events per second through a pipeline to `path` (in memory, or a local HTTP server); all must be delivered. */
async function throughput(path: string | undefined) {
  const server = path === undefined ? undefined : await localServer()
  const pipeline = await enginePipeline(
    server ? `${server.url}${path}` : 'https://sink.example/in',
    !server,
    true,
  )
  try {
    return await measureRate(async () => {
      const outcomes = await pipeline.process(events)
      if (outcomes.some((o) => o.status !== 'delivered')) throw new Error('bench delivery failed')
      return events.length
    })
  } finally {
    await pipeline.close()
    server?.close()
  }
}

export default defineBench([
  {
    name: 'core.engine.passthrough',
    unit: 'events/s',
    description:
      'validate + normalise + 1 pass-through transformation + 1 destination (in-memory transport), batches of 1000',
    measure: () => throughput(undefined),
  },
  {
    name: 'core.engine.http-batches',
    unit: 'events/s',
    description:
      'the same pipeline delivering over HTTP (undici, keep-alive) to a local server, 100 events per request',
    measure: () => throughput('/batch'),
  },
  {
    name: 'core.engine.http-single',
    unit: 'events/s',
    description: 'the same, one request per event (concurrency 16)',
    measure: () => throughput('/single'),
  },
])
