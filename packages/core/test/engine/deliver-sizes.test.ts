import type { PatchbayEvent } from '@patchbay/protocol'
import Type from 'typebox'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  createPipeline,
  defineClientDestination,
  defineDestination,
  type Pipeline,
  PluginRegistry,
  parsePipeline,
} from '../../src/index.ts'

// `pipeline.deliver`'s `sizes`: the events' JSON lengths, which a store holds already. Batch
// byte bounds count them instead of serialising each event; the batches must be exactly the
// ones measuring makes, and a size that is missing or unusable is measured.

const MAX_EVENTS = 8

/** 40 track events of uneven sizes, some with characters outside ASCII. */
const events: PatchbayEvent[] = Array.from({ length: 40 }, (_, i) => ({
  type: 'track',
  event: i % 3 === 0 ? 'Café visité ✓' : 'Order Completed',
  messageId: `m-${i}`,
  userId: `u-${i % 7}`,
  timestamp: '2026-12-01T10:00:00.000Z',
  receivedAt: '2026-12-01T10:00:00.100Z',
  properties: { note: 'x'.repeat((i * 37) % 260), total: i / 10 },
}))
const measured = events.map((e) => JSON.stringify(e).length)
/** The first three events fill a batch exactly: the bound is `at most`, not `less than`. */
const MAX_BYTES = measured[0]! + measured[1]! + measured[2]!

/** The batches as the engine made them before sizes could be given: each event serialised and counted. */
function reference(): string[][] {
  const out: string[][] = []
  let chunk: string[] = []
  let bytes = 0
  for (const event of events) {
    const size = JSON.stringify(event).length
    if (chunk.length > 0 && (chunk.length >= MAX_EVENTS || bytes + size > MAX_BYTES)) {
      out.push(chunk)
      chunk = []
      bytes = 0
    }
    chunk.push(event.messageId!)
    bytes += size
  }
  if (chunk.length > 0) out.push(chunk)
  return out
}

const http = defineDestination({
  name: '@test/destination-sized-http',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({}),
  supports: ['track'],
  batch: () => ({ maxEvents: MAX_EVENTS, maxBytes: MAX_BYTES }),
  transform: () => ({ method: 'POST', url: 'https://hooks.example/in', body: 'one' }),
  transformBatch: (batch) => {
    seen.push(batch.map((e) => e.messageId!))
    return [
      {
        request: { method: 'POST', url: 'https://hooks.example/in', body: 'batch' },
        events: batch.map((_, i) => i),
      },
    ]
  },
})

const client = defineClientDestination({
  name: '@test/destination-sized-client',
  version: '1.0.0',
  apiVersion: 2,
  config: Type.Object({}),
  supports: ['track'],
  open: () => ({}),
  batch: () => ({ maxEvents: MAX_EVENTS, maxBytes: MAX_BYTES }),
  deliverBatch: (batch) => {
    seen.push(batch.map((e) => e.messageId!))
    return batch.map(() => null)
  },
})

let seen: string[][] = []
const open: Pipeline[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  await Promise.all(open.splice(0).map((p) => p.close()))
})

async function pipelineOf(use: string) {
  const p = await createPipeline(
    parsePipeline(`destinations:\n  - { id: d, use: "${use}" }\n`, {
      file: '/virtual/pipeline.yaml',
      env: {},
    }),
    {
      registry: new PluginRegistry({ cwd: process.cwd() }).add(http).add(client),
      // Requests go nowhere: the batches are what is looked at.
      createDeliverer: () => ({
        deliver: async () => ({ status: 'delivered', attempts: 1, elapsedMs: 0 }),
        close: async () => {},
      }),
    },
  )
  open.push(p)
  return p
}

/** The batches `deliver` makes with `sizes`, and how many times it serialised an event to measure it. */
async function batches(p: Pipeline, sizes?: ReadonlyArray<number | undefined>) {
  seen = []
  const stringify = vi.spyOn(JSON, 'stringify')
  const outcomes = await p.deliver('d', events, sizes ? { sizes } : {})
  const serialised = stringify.mock.calls.length
  stringify.mockRestore()
  expect(outcomes.map((o) => o.status)).toEqual(events.map(() => 'delivered'))
  return { batches: seen, serialised }
}

describe.each([
  ['an HTTP destination (transformBatch)', '@test/destination-sized-http'],
  ['a client destination (deliverBatch)', '@test/destination-sized-client'],
])('batch byte bounds of %s', (_, use) => {
  it('split where measuring splits, with the sizes given and nothing serialised', async () => {
    const p = await pipelineOf(use)
    const byMeasure = await batches(p)
    // The bound is what splits them: by bytes mostly, never more than MAX_EVENTS.
    expect(byMeasure.batches.length).toBeGreaterThan(events.length / MAX_EVENTS)
    expect(byMeasure.batches).toEqual(reference())
    expect(byMeasure.serialised).toBe(events.length)
    const bySize = await batches(p, measured)
    expect(bySize.batches).toEqual(byMeasure.batches)
    expect(bySize.serialised).toBe(0)
  })

  it('measure an event whose size is missing or not a whole number ≥ 0', async () => {
    const p = await pipelineOf(use)
    const { batches: expected } = await batches(p)
    const unusable = [undefined, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY, '120' as never]
    const sizes = measured.map((size, i) => (i % 5 === 0 ? unusable[(i / 5) % unusable.length] : size))
    const partly = await batches(p, sizes)
    expect(partly.batches).toEqual(expected)
    expect(partly.serialised).toBe(8)
  })

  it('measure every event when the sizes do not line up with the events', async () => {
    const p = await pipelineOf(use)
    const { batches: expected } = await batches(p)
    for (const sizes of [measured.slice(1), [...measured, 10]]) {
      const ignored = await batches(p, sizes)
      expect(ignored.batches).toEqual(expected)
      expect(ignored.serialised).toBe(events.length)
    }
  })

  it('count the sizes given: a caller that says every event is tiny gets batches of MAX_EVENTS', async () => {
    const p = await pipelineOf(use)
    const tiny = await batches(
      p,
      events.map(() => 1),
    )
    expect(tiny.batches.map((b) => b.length)).toEqual([8, 8, 8, 8, 8])
  })
})
