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

/** Deep-freezes in place, as the engine does (src/engine/_freeze.ts). */
function freeze(value: unknown): void {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const key of Object.keys(value)) freeze((value as Record<string, unknown>)[key])
  }
}

/**
 * Events/s of making a batch safe to share with `destinations` plugins: freezing each event
 * once (what the engine does), or giving every destination its own structuredClone.
 */
function isolation(mode: 'freeze' | 'copy', destinations: number) {
  return measureRate(() => {
    const batch = events.map((e) => ({ ...e, context: { ...e.context }, properties: { ...e.properties } }))
    if (mode === 'freeze') for (const e of batch) freeze(e)
    else for (let d = 0; d < destinations; d++) for (const e of batch) structuredClone(e)
    return batch.length
  })
}

export default defineBench([
  {
    name: 'core.engine.isolation.freeze',
    unit: 'events/s',
    description: 'deep-freeze each ~350-byte event once, shared by every plugin (the engine does this)',
    measure: () => isolation('freeze', 2),
  },
  {
    name: 'core.engine.isolation.copy',
    unit: 'events/s',
    description: 'the alternative: a structuredClone of each event per destination, 2 destinations',
    measure: () => isolation('copy', 2),
  },
  {
    name: 'core.engine.isolation.freeze-vs-copy',
    unit: 'ratio',
    description: 'freeze throughput / copy throughput, same run (> 1: freezing is cheaper)',
    measure: (ctx) => ctx.get('core.engine.isolation.freeze') / ctx.get('core.engine.isolation.copy'),
  },
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
