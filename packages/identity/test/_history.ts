import type { IdentitySettings } from '@patchbay/core'
import fc from 'fast-check'
import {
  createMemoryIdentityStore,
  type IdentityGraph,
  type IdentityStore,
  openIdentityGraph,
} from '../src/index.ts'

/** Generated event histories over a few identifiers of each type, with caps tight enough to conflict often. */
export const settings = {
  // Tight caps, so that conflicts (and re-runs of components) are common.
  caps: { userId: 1, email: 1, anonymousId: 2, deviceId: 2 },
  blocklist: { after: 1_000_000 },
}

const pick = (prefix: string, n: number) =>
  fc.option(
    fc.nat(n - 1).map((i) => `${prefix}${i}`),
    { nil: undefined },
  )
export const arbitraryEvent = fc.record({
  alias: fc.boolean(),
  userId: pick('user-', 4),
  anonymousId: pick('anon-', 6),
  email: pick('e', 3),
  device: pick('dev-', 3),
  zendesk: pick('zd-', 2),
  minute: fc.nat(15),
})
type Drawn = typeof arbitraryEvent extends fc.Arbitrary<infer T> ? T : never

export function toEvent(e: Drawn, i: number): Record<string, unknown> {
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

export const ALL_IDS = [
  ...[0, 1, 2, 3].map((i) => `userId:user-${i}`),
  ...[0, 1, 2, 3, 4, 5].map((i) => `anonymousId:anon-${i}`),
  ...[0, 1, 2].map((i) => `email:e${i}@x.io`),
  ...[0, 1, 2].map((i) => `deviceId:dev-${i}`),
  ...[0, 1].map((i) => `zendeskId:zd-${i}`),
]

/** Feeds events in batches of the given sizes; answers every identifier's canonical id and every link's status. */
export async function run(
  events: Array<Record<string, unknown>>,
  batches: number[],
  store: IdentityStore = createMemoryIdentityStore(),
  identity: IdentitySettings = settings,
) {
  const graph = await openIdentityGraph({ store, settings: identity })
  let at = 0
  for (const size of batches) {
    if (at >= events.length) break
    await graph.stitch(events.slice(at, at + size))
    at += size
  }
  if (at < events.length) await graph.stitch(events.slice(at))
  return { graph, view: await view(graph) }
}

export async function view(graph: IdentityGraph) {
  const canonical = Object.fromEntries(ALL_IDS.map((id) => [id, graph.resolve(id)]))
  const links: Record<string, string> = {}
  for (const id of ALL_IDS) {
    for (const r of (await graph.lookup(id))?.rejections ?? [])
      if (r.from === id) links[[r.from, r.to].sort().join(' ~ ')] = r.status
  }
  return { canonical, rejected: Object.keys(links).sort() }
}
