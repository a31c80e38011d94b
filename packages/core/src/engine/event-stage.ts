import type { PatchbayEvent } from '@patchbay/protocol'

/**
 * A built-in stage a host runs between validation and the transformation chain, e.g.
 * identity stitching (@patchbay/identity). It sees the whole batch, validated and frozen,
 * and answers one event per input event, in the same order: the same object when it left an
 * event unchanged, or a new event (frozen by the engine). A stage that throws fails the
 * batch as a whole (the gateway retries it).
 *
 * @example
 * const stamp: EventStage = { id: 'stamp', run: (events) => events.map((e) => ({ ...e, context: { ...e.context, x: 1 } })) }
 * const pipeline = await createPipeline(loaded, { stages: [stamp] })
 */
export interface EventStage {
  readonly id: string
  run(events: readonly PatchbayEvent[]): Promise<readonly PatchbayEvent[]> | readonly PatchbayEvent[]
}
