import Type from 'typebox'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createDeliverer,
  createMemoryTransport,
  createPipeline,
  defineDestination,
  defineTransformation,
  InvalidEventError,
  type Pipeline,
  PluginRegistry,
  parsePipeline,
  resolveDeliveryOptions,
  type WireRequest,
} from '../../src/index.ts'

/** Deletes `context.ip` before sending: the bug class where one plugin changes another's input. */
const stripsIp = defineDestination({
  name: '@test/strips-ip',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({ url: Type.String() }),
  supports: ['track'],
  transform: (event, { config }) => {
    delete (event.context as Record<string, unknown>).ip
    return { method: 'POST', url: config.url, body: event }
  },
})
const forwards = defineDestination({
  name: '@test/forwards',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({ url: Type.String(), tags: Type.Array(Type.String(), { default: ['a'] }) }),
  supports: ['track'],
  transform: (event, { config }) => {
    if (event.event === 'Tag') (config.tags as string[]).push('b')
    return { method: 'POST', url: config.url, body: event }
  },
})
/** Sorts its batch in place (identified users first), then names events by their new position. */
const sortsInPlace = defineDestination({
  name: '@test/sorts-in-place',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({ url: Type.String() }),
  supports: ['track'],
  batch: () => ({ maxEvents: 10 }),
  transform: (event, { config }) => ({ method: 'POST', url: config.url, body: event }),
  transformBatch: (events, { config }) => {
    events.sort((a, b) => Number(!a.userId) - Number(!b.userId))
    const known = events.flatMap((e, i) => (e.userId ? [i] : []))
    const anonymous = events.flatMap((e, i) => (e.userId ? [] : [i]))
    return [
      { request: { method: 'POST', url: config.url, body: known.map((i) => events[i]) }, events: known },
      { error: new InvalidEventError('needs a userId'), events: anonymous },
    ]
  },
})
const mutatesInChain = defineTransformation({
  name: '@test/mutates',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({}),
  transformEvent: (event) => {
    ;(event.properties as Record<string, unknown>).touched = true
    return event
  },
})

const open: Pipeline[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()))
})

async function run(yaml: string) {
  const sent: Record<string, unknown[]> = {}
  const p = await createPipeline(parsePipeline(yaml, { file: '/virtual/pipeline.yaml', env: {} }), {
    registry: new PluginRegistry({ cwd: process.cwd() })
      .add(stripsIp)
      .add(forwards)
      .add(sortsInPlace)
      .add(mutatesInChain),
    createDeliverer: (dest) =>
      createDeliverer({
        transport: createMemoryTransport((request: WireRequest) => {
          sent[dest.id] = [...(sent[dest.id] ?? []), JSON.parse(request.body ?? 'null')]
          return { status: 200, headers: {}, body: undefined }
        }),
        options: resolveDeliveryOptions({ retry: { maxAttempts: 1 } }),
        label: dest.label,
      }),
  })
  open.push(p)
  return { p, sent }
}

const event = (id: string, extra: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Order Completed',
  messageId: id,
  context: { ip: '203.0.113.7' },
  properties: {},
  ...extra,
})

describe('plugins get inputs they cannot change', () => {
  it('a destination that deletes a field fails its own event; the next destination still gets it', async () => {
    const { p, sent } = await run(`
destinations:
  - { id: first, use: "@test/strips-ip", config: { url: "https://a.example/in" } }
  - { id: second, use: "@test/forwards", config: { url: "https://b.example/in" } }
`)
    const input = event('m1', { userId: 'u1' })
    const outcomes = await p.process([input])
    expect(outcomes.map((o) => [o.destination, o.status, o.error?.code])).toEqual([
      ['first', 'failed', 'PB_TRANSFORM_FAILED'],
      ['second', 'delivered', undefined],
    ])
    expect(outcomes[0]!.error!.message).toMatch(/Cannot delete property 'ip'/)
    expect(sent.second).toMatchObject([{ messageId: 'm1', context: { ip: '203.0.113.7' } }])
  })

  it('a transformation cannot change the event in place; a destination cannot change its config', async () => {
    const { p, sent } = await run(`
transformations:
  - { id: touch, use: "@test/mutates" }
destinations:
  - { id: out, use: "@test/forwards", config: { url: "https://b.example/in" } }
`)
    const outcomes = await p.process([event('m1', { userId: 'u1' })])
    expect(outcomes[0]).toMatchObject({ status: 'failed', step: 'transformations.touch' })
    expect(outcomes[0]!.error!.message).toMatch(/not extensible|read.only/)
    const tagged = await p.process([event('m2', { userId: 'u1', event: 'Tag' })])
    expect(tagged[0]).toMatchObject({ status: 'failed', error: { code: 'PB_TRANSFORM_FAILED' } })
    expect(sent.out ?? []).toEqual([])
  })

  it('a batch transform that sorts its array in place keeps each outcome on its own event', async () => {
    const { p, sent } = await run(`
destinations:
  - { id: crm, use: "@test/sorts-in-place", config: { url: "https://crm.example/in" } }
`)
    const outcomes = await p.process([
      event('anon', { anonymousId: 'a1' }),
      event('known', { userId: 'u1' }),
      event('anon2', { anonymousId: 'a2' }),
    ])
    expect(outcomes.map((o) => [o.messageId, o.status, o.error?.message])).toEqual([
      ['anon', 'failed', 'needs a userId'],
      ['known', 'delivered', undefined],
      ['anon2', 'failed', 'needs a userId'],
    ])
    expect(sent.crm).toMatchObject([[{ messageId: 'known' }]])
  })
})
