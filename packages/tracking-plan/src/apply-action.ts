import type { PatchbayEvent } from '@patchbay/protocol'
import type { CompiledPlan } from './compile-plan.ts'
import type { Violation } from './violation.ts'

export type PlanAction = 'forward' | 'drop' | 'omit'

/** What an action made of a violating event: the event to forward (if any) and the reason it was dropped. */
export type Applied = { event: PatchbayEvent; omitted: string[] } | { event: undefined; dropped: string }

/**
 * Applies an action to a violating event:
 * - `forward`: the event with `context.violationErrors`, `context.trackingPlanId` and
 *   `context.trackingPlanVersion` (RudderStack's fields);
 * - `omit`: the same, without the properties (or traits) that broke their schema or are not
 *   in the plan; violations no omission can fix (a required property missing, an unplanned
 *   event) stay attached;
 * - `drop`: nothing, with a reason naming the plan and the first violation.
 * The input is frozen; the result is a new object.
 */
export function applyAction(
  action: PlanAction,
  event: PatchbayEvent,
  violations: readonly Violation[],
  plan: Pick<CompiledPlan, 'name' | 'version'>,
): Applied {
  if (action === 'drop') {
    const first = violations[0]!
    const at = first.meta.instancePath ? ` at ${first.meta.instancePath}` : ''
    return {
      event: undefined,
      dropped: `tracking plan ${plan.name} v${plan.version}: ${first.type}${at}${violations.length > 1 ? ` (+${violations.length - 1} more)` : ''}`,
    }
  }
  const record = event as Record<string, unknown>
  const context = {
    ...((record.context as Record<string, unknown> | undefined) ?? {}),
    trackingPlanId: plan.name,
    trackingPlanVersion: plan.version,
    violationErrors: violations,
  }
  if (action === 'forward') return { event: { ...record, context } as unknown as PatchbayEvent, omitted: [] }
  const field = event.type === 'identify' || event.type === 'group' ? 'traits' : 'properties'
  const offending = new Set<string>()
  for (const v of violations) {
    if (
      v.type === 'Additional-Properties' &&
      v.meta.instancePath === `/${field}` &&
      v.meta.additionalProperty
    )
      offending.add(v.meta.additionalProperty)
    else if (v.type !== 'Required-Missing' && v.type !== 'Unplanned-Event' && v.meta.instancePath) {
      // The top-level property holding the bad value: `/properties/address/zip` → `address`.
      const key = v.meta.instancePath.split('/')[2]
      if (key !== undefined && v.meta.instancePath.startsWith(`/${field}/`)) offending.add(unescapeKey(key))
    }
  }
  const values = (record[field] as Record<string, unknown> | undefined) ?? {}
  const kept = Object.fromEntries(Object.entries(values).filter(([k]) => !offending.has(k)))
  return {
    event: { ...record, [field]: kept, context } as unknown as PatchbayEvent,
    omitted: [...offending],
  }
}

const unescapeKey = (key: string) => key.replaceAll('~1', '/').replaceAll('~0', '~')
