import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createMemoryIdentityStore, type IdentityStore, openIdentityGraph } from '../src/index.ts'

const settings = {
  // Tight caps, so that conflicts (and re-runs of components) are common.
  caps: { userId: 1, email: 1, anonymousId: 2, deviceId: 2 },
  blocklist: { after: 1_000_000 },
}

const pick = (prefix: string, n: number) =>
  fc.option(
    fc.nat(n - 1).map((i) => `${prefix}${i}`),
    { nil: undefined },
  )
const arbitraryEvent = fc.record({
  alias: fc.boolean(),
  userId: pick('user-', 4),
  anonymousId: pick('anon-', 6),
  email: pick('e', 3),
  device: pick('dev-', 3),
  zendesk: pick('zd-', 2),
  minute: fc.nat(15),
})
type Drawn = typeof arbitraryEvent extends fc.Arbitrary<infer T> ? T : never

function toEvent(e: Drawn, i: number): Record<string, unknown> {
  const timestamp = new Date(Date.UTC(2026, 10, 1, 0, e.minute)).toISOString()
  const messageId = `m-${String(i).padStart(4, '0')}`
  if (e.alias && e.userId && e.anonymousId)
    return { type: 'alias', previousId: e.anonymousId, userId: e.userId, messageId, timestamp }
  return {
    type: 'identify',
    messageId,
    timestamp,
    ...(e.userId ? { userId: e.userId } : {}),
    ...(e.anonymousId ? { anonymousId: e.anonymousId } : {}),
    traits: e.email ? { email: `${e.email}@x.io` } : {},
    context: {
      ...(e.device ? { device: { id: e.device } } : {}),
      ...(e.zendesk ? { externalIds: [{ id: e.zendesk, type: 'zendeskId' }] } : {}),
    },
  }
}

const ALL_IDS = [
  ...[0, 1, 2, 3].map((i) => `userId:user-${i}`),
  ...[0, 1, 2, 3, 4, 5].map((i) => `anonymousId:anon-${i}`),
  ...[0, 1, 2].map((i) => `email:e${i}@x.io`),
  ...[0, 1, 2].map((i) => `deviceId:dev-${i}`),
  ...[0, 1].map((i) => `zendeskId:zd-${i}`),
]

/** Feeds events in batches of the given sizes; answers every identifier's canonical id and every link's status. */
async function run(
  events: Array<Record<string, unknown>>,
  batches: number[],
  store: IdentityStore = createMemoryIdentityStore(),
) {
  const graph = await openIdentityGraph({ store, settings })
  let at = 0
  for (const size of batches) {
    if (at >= events.length) break
    await graph.stitch(events.slice(at, at + size))
    at += size
  }
  if (at < events.length) await graph.stitch(events.slice(at))
  return { graph, view: await view(graph) }
}

async function view(graph: Awaited<ReturnType<typeof openIdentityGraph>>) {
  const canonical = Object.fromEntries(ALL_IDS.map((id) => [id, graph.resolve(id)]))
  const links: Record<string, string> = {}
  for (const id of ALL_IDS) {
    for (const r of (await graph.lookup(id))?.rejections ?? [])
      if (r.from === id) links[[r.from, r.to].sort().join(' ~ ')] = r.status
  }
  return { canonical, rejected: Object.keys(links).sort() }
}

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
