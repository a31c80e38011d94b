import type { PatchbayEvent } from '@patchbay/protocol'
import type { CompiledPlan } from './compile-plan.ts'
import type { Violation } from './violation.ts'

/**
 * The `Violation Generated` track events (Segment Protocols' name) for a violating event:
 * one per violation, from the same user, routed only to `destination` through
 * `integrations` (so the route stage, filters included, treats it like any event).
 */
export function violationEvents(
  event: PatchbayEvent,
  violations: readonly Violation[],
  plan: Pick<CompiledPlan, 'name' | 'version'>,
  at: { sourceId?: string; destination: string },
): PatchbayEvent[] {
  const {
    traits: _t,
    properties: _p,
    name: _n,
    category: _c,
    groupId: _g,
    previousId: _pr,
    event: eventName,
    integrations: _i,
    type,
    context,
    ...base
  } = event as Record<string, unknown>
  const { violationErrors: _v, ...cleanContext } = (context as Record<string, unknown> | undefined) ?? {}
  const named = (eventName as string | undefined) ?? (event as { name?: string }).name
  return violations.map((violation, i) => ({
    ...base,
    // `userId`/`anonymousId` are kept; an alias has `userId`, so this stays a valid track.
    type: 'track',
    event: 'Violation Generated',
    messageId: `${event.messageId}:violation:${i}`,
    context: cleanContext,
    integrations: { All: false, [at.destination]: true },
    properties: {
      violationType: violation.type,
      violationDescription: violation.message,
      ...(violation.meta.instancePath ? { violationField: violation.meta.instancePath } : {}),
      ...(violation.meta.missingProperty ? { missingProperty: violation.meta.missingProperty } : {}),
      ...(violation.meta.additionalProperty ? { additionalProperty: violation.meta.additionalProperty } : {}),
      eventType: type,
      ...(named !== undefined ? { eventName: named } : {}),
      eventMessageId: event.messageId,
      ...(at.sourceId !== undefined ? { sourceId: at.sourceId } : {}),
      trackingPlanId: plan.name,
      trackingPlanVersion: plan.version,
    },
  })) as PatchbayEvent[]
}
