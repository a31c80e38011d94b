import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createMemoryIdentityStore, openIdentityGraph } from '../src/index.ts'
import { arbitraryEvent, run, settings, toEvent, view } from './_history.ts'

describe('order independence', () => {
  it('any permutation of an event history, in any batching, gives the same people, canonical ids and rejections', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbitraryEvent, { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 20 }),
        async (drawn, keys, batches) => {
          const events = drawn.map(toEvent)
          // A permutation: sort by random keys (events without a key keep their relative order at the end).
          const shuffled = events
            .map((event, i) => ({ event, key: keys[i] ?? Number.MAX_SAFE_INTEGER, i }))
            .sort((x, y) => x.key - y.key || x.i - y.i)
            .map((x) => x.event)
          const inOrder = await run(events, [events.length])
          const permuted = await run(shuffled, batches)
          expect(permuted.view).toEqual(inOrder.view)
        },
      ),
      { numRuns: Number(process.env.RUNS ?? 300) },
    )
  })

  it('the graph kept incrementally equals the graph recomputed from its stored edges', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbitraryEvent, { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 20 }),
        async (drawn, batches) => {
          const events = drawn.map(toEvent).reverse()
          const store = createMemoryIdentityStore()
          const live = await run(events, batches, store)
          const reopened = await openIdentityGraph({ store, settings })
          expect(await view(reopened)).toEqual(live.view)
          // The stored canonical ids (for SQL users) agree with the graph too.
          const { nodes } = await store.load()
          for (const node of nodes)
            expect(node.canonicalId).toBe(reopened.resolve(`${node.type}:${node.value}`))
        },
      ),
      { numRuns: Number(process.env.RUNS ?? 200) },
    )
  })

  it('catches an order-dependent merge: greedy arrival order would keep whichever userId came first', async () => {
    // anon-1 + user-a at 10:00, anon-1 + user-b at 09:00 (arriving late). The earlier link wins either way.
    const late = [
      toEvent(
        {
          alias: false,
          userId: 'user-0',
          anonymousId: 'anon-1',
          email: undefined,
          device: undefined,
          zendesk: undefined,
          minute: 10,
        },
        0,
      ),
      toEvent(
        {
          alias: false,
          userId: 'user-1',
          anonymousId: 'anon-1',
          email: undefined,
          device: undefined,
          zendesk: undefined,
          minute: 9,
        },
        1,
      ),
    ]
    for (const events of [late, [...late].reverse()]) {
      const { graph } = await run(events, [1, 1])
      expect(graph.resolve('anonymousId:anon-1')).toBe(graph.resolve('userId:user-1'))
      expect(graph.resolve('anonymousId:anon-1')).not.toBe(graph.resolve('userId:user-0'))
    }
  })
})
