import { type PatchbayEvent, validateEvent } from '@patchbay/protocol'
import { InvalidEventError } from '../errors/errors.ts'
import { deepFreeze } from './_freeze.ts'
import type { Stopped } from './_run-chain.ts'
import type { WorkItem } from './_steps.ts'

/**
 * A validate stage: a host-provided check that runs on each batch of valid, normalised events
 * of one source, after protocol validation and before the transformation chain (a tracking
 * plan is one; see @patchbay/tracking-plan). It is generic: core knows nothing of plans.
 *
 * It answers one verdict per event, same order:
 * - `{ events: [event] }` keeps the event as is (the same object costs nothing);
 * - `{ events: [changed, ...extra] }` replaces it (e.g. with violations attached) and may add
 *   events derived from it (e.g. a `Violation Generated` track); new objects are validated
 *   like a transformation's output and frozen;
 * - `{ events: [...], dropped: 'reason' }` drops the input (counted with the reason); any
 *   events listed still go on (e.g. the violation report of a dropped event).
 */
export interface ValidateStage {
  /** How outcomes, logs and metrics name the step, e.g. `sources.web.trackingPlan`. */
  label(sourceId: string | undefined): string
  check(events: readonly PatchbayEvent[], at: { sourceId?: string }): ValidateVerdict[]
}

export type ValidateVerdict = { events: PatchbayEvent[]; dropped?: string }

/**
 * Runs a validate stage over the items of a batch (one source). Dropped inputs are recorded
 * in `stopped`; an invalid event made by the stage fails its input (blamed on the stage).
 */
export function runValidateStage(
  stage: ValidateStage,
  items: WorkItem[],
  at: { sourceId?: string },
  stopped: Map<number, Stopped>,
): WorkItem[] {
  if (items.length === 0) return items
  const label = stage.label(at.sourceId)
  const verdicts = stage.check(
    items.map((item) => item.event),
    at,
  )
  const next: WorkItem[] = []
  for (const [i, item] of items.entries()) {
    const verdict = verdicts[i] ?? { events: [item.event] }
    const made: WorkItem[] = []
    let failed = false
    for (const event of verdict.events) {
      if (event === item.event) {
        made.push(item)
        continue
      }
      const result = validateEvent(event)
      if (!result.ok) {
        failed = true
        stopped.set(item.origin, {
          status: 'failed',
          step: label,
          error: new InvalidEventError(
            `${label} made an invalid event for ${item.event.messageId}: ${result.errors[0]?.message ?? 'not an event'}`,
            {
              code: 'PB_TRANSFORM_INVALID_OUTPUT',
              step: label,
              field: result.errors[0]?.path,
              messageId: item.event.messageId,
            },
          ),
        })
        break
      }
      made.push({ origin: item.origin, event: deepFreeze(event) })
    }
    if (failed) continue
    if (verdict.dropped !== undefined)
      stopped.set(item.origin, { status: 'dropped', step: label, reason: verdict.dropped })
    next.push(...made)
  }
  return next
}
