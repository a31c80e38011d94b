import type { EventStage } from '@patchbay/core'
import type { PatchbayEvent } from '@patchbay/protocol'
import type { IdentityGraph, StitchChange } from './identity-graph.ts'

/**
 * The stitching stage: adds each batch to the identity graph and stamps every event that
 * has an identifier with its person's canonical id, at `context.patchbay.canonicalId`, so
 * destinations and user transformations can use it. An event that already carries the same
 * id is passed on unchanged (the same object).
 *
 * With `changes: true` (the gateway's), every event with an identifier also carries what
 * stitching it changed, at `context.patchbay.identity` (see {@link IdentityStamp}): the
 * warehouse destinations keep their `identity_mappings` table in step with it.
 *
 * @example
 * const pipeline = await createPipeline(loaded, { stages: [identityStage(graph, { changes: true })] })
 */
export function identityStage(
  graph: IdentityGraph,
  { changes = false }: { changes?: boolean } = {},
): EventStage {
  return {
    id: 'identity',
    async run(events) {
      if (!changes) {
        const ids = await graph.stitch(events)
        return events.map((event, i) => stampCanonicalId(event, ids[i]))
      }
      const found = await graph.stitchChanges(events)
      return events.map((event, i) => stampIdentity(event, found[i], found[i] ? tick() : ''))
    },
  }
}

let last = 0
/**
 * When an event was stitched, as ISO 8601 with microseconds, strictly increasing in this
 * process: the order in which tables apply changes that arrive out of order.
 */
function tick(): string {
  last = Math.max(Date.now() * 1000, last + 1)
  const micros = String(last % 1_000_000).padStart(6, '0')
  return `${new Date(Math.floor(last / 1000)).toISOString().slice(0, 19)}.${micros}Z`
}

/**
 * `context.patchbay.identity`: what stitching the event changed in the graph, for tables
 * kept in step with it. `ids`: the event's identifiers (and any other a re-run moved) with
 * their canonical ids; `merged`: people absorbed, in order (every id of `from` now belongs to
 * `to`); `rejected`: links not merged (a cap, a blocklisted id); `cleared`: links merged after
 * all. Empty lists are left out. `at`: when it was stitched (ISO 8601 with microseconds,
 * strictly increasing per gateway process), so a table applies changes that arrive out of
 * order by it.
 */
export interface IdentityStamp {
  canonicalId: string
  at: string
  ids: StitchChange['ids']
  merged?: StitchChange['merged']
  rejected?: StitchChange['rejected']
  cleared?: StitchChange['cleared']
}

/** `event` with `context.patchbay.canonicalId` set (a new object), or itself when there is nothing to change. */
export function stampCanonicalId(event: PatchbayEvent, canonicalId: string | undefined): PatchbayEvent {
  if (canonicalId === undefined) return event
  const context = (event.context ?? {}) as Record<string, unknown>
  const patchbay = (context.patchbay ?? {}) as Record<string, unknown>
  if (patchbay.canonicalId === canonicalId) return event
  return { ...event, context: { ...context, patchbay: { ...patchbay, canonicalId } } } as PatchbayEvent
}

/** `event` with `context.patchbay.canonicalId` and `context.patchbay.identity` set (a new object). */
function stampIdentity(event: PatchbayEvent, change: StitchChange | undefined, at: string): PatchbayEvent {
  const context = (event.context ?? {}) as Record<string, unknown>
  const patchbay = (context.patchbay ?? {}) as Record<string, unknown>
  if (change === undefined) {
    // A stamp the sender wrote itself is not the graph's: it never reaches the tables.
    if (!('identity' in patchbay)) return event
    const { identity: _, ...rest } = patchbay
    return { ...event, context: { ...context, patchbay: rest } } as PatchbayEvent
  }
  const identity: IdentityStamp = {
    canonicalId: change.canonicalId,
    at,
    ids: change.ids,
    ...(change.merged.length > 0 ? { merged: change.merged } : {}),
    ...(change.rejected.length > 0 ? { rejected: change.rejected } : {}),
    ...(change.cleared.length > 0 ? { cleared: change.cleared } : {}),
  }
  return {
    ...event,
    context: { ...context, patchbay: { ...patchbay, canonicalId: change.canonicalId, identity } },
  } as PatchbayEvent
}
