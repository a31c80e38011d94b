import { createPipeline, defineDestination, PluginRegistry, parsePipeline } from '@patchbay/core'
import Type from 'typebox'
import { expect, it } from 'vitest'
import { canonicalIdOf, createMemoryIdentityStore, identityStage, openIdentityGraph } from '../src/index.ts'

const sink = defineDestination({
  name: '@test/destination-sink',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({}),
  supports: ['track', 'identify'],
  transform: (event) => ({ method: 'POST', url: 'http://127.0.0.1:9/', body: event }),
})

const yaml = `
identity:
  caps: { userId: 1 }
  fields:
    - { type: email, path: traits.email, lowercase: true }
transformations: []
destinations:
  - { id: sink, use: '@test/destination-sink@1' }
`

it('stamps context.patchbay.canonicalId before the transformations; what a client sent there is dropped, what a stage wrote is kept', async () => {
  const loaded = parsePipeline(yaml, { file: 'pipeline.yaml' })
  const graph = await openIdentityGraph({
    store: createMemoryIdentityStore(),
    settings: loaded.definition.identity,
  })
  const pipeline = await createPipeline(loaded, {
    registry: new PluginRegistry({ cwd: process.cwd() }).add(sink),
    stages: [identityStage(graph)],
  })
  const events = [
    {
      type: 'track',
      event: 'A',
      anonymousId: 'anon-1',
      messageId: 'm1',
      timestamp: '2026-11-01T00:00:00.000Z',
    },
    {
      type: 'identify',
      userId: 'u1',
      anonymousId: 'anon-1',
      traits: { email: 'X@Y.io' },
      messageId: 'm2',
      timestamp: '2026-11-01T00:01:00.000Z',
    },
    {
      type: 'track',
      event: 'B',
      anonymousId: 'anon-2',
      messageId: 'm3',
      context: { patchbay: { other: 1 } },
    },
  ]
  const { events: out, stopped } = await pipeline.transform(events)
  expect(stopped).toEqual([])
  const person = canonicalIdOf('anonymousId', 'anon-1')
  expect(out.map((o) => (o.event.context as { patchbay?: unknown } | undefined)?.patchbay)).toEqual([
    { canonicalId: person },
    { canonicalId: person },
    // Normalisation dropped the client's context.patchbay (Patchbay's namespace).
    { canonicalId: canonicalIdOf('anonymousId', 'anon-2') },
  ])
  // What an earlier stage wrote there stays beside the stamp.
  const [stamped] = await identityStage(graph).run([
    { ...events[2]!, context: { patchbay: { other: 1 } } } as never,
  ])
  expect((stamped!.context as { patchbay: unknown }).patchbay).toEqual({
    other: 1,
    canonicalId: canonicalIdOf('anonymousId', 'anon-2'),
  })
  expect(Object.isFrozen(out[0]!.event.context)).toBe(true)
  expect(graph.resolve('email:x@y.io')).toBe(person)
  await pipeline.close()
  await graph.close()
})
