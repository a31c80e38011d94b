import type { EventStage } from '@patchbay/core'
import type { PatchbayEvent } from '@patchbay/protocol'
import type { IdentityGraph } from './identity-graph.ts'

/**
 * The stitching stage: adds each batch to the identity graph and stamps every event that
 * has an identifier with its person's canonical id, at `context.patchbay.canonicalId`, so
 * destinations and user transformations can use it. An event that already carries the same
 * id is passed on unchanged (the same object).
 *
 * @example
 * const pipeline = await createPipeline(loaded, { stages: [identityStage(graph)] })
 */
export function identityStage(graph: IdentityGraph): EventStage {
  return {
    id: 'identity',
    async run(events) {
      const ids = await graph.stitch(events)
      return events.map((event, i) => stampCanonicalId(event, ids[i]))
    },
  }
}

/** `event` with `context.patchbay.canonicalId` set (a new object), or itself when there is nothing to change. */
export function stampCanonicalId(event: PatchbayEvent, canonicalId: string | undefined): PatchbayEvent {
  if (canonicalId === undefined) return event
  const context = (event.context ?? {}) as Record<string, unknown>
  const patchbay = (context.patchbay ?? {}) as Record<string, unknown>
  if (patchbay.canonicalId === canonicalId) return event
  return { ...event, context: { ...context, patchbay: { ...patchbay, canonicalId } } } as PatchbayEvent
}
