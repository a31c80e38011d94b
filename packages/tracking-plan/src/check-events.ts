import type { PatchbayEvent } from '@patchbay/protocol'
import { validateEvent } from '@patchbay/protocol'
import type { CompiledPlan } from './compile-plan.ts'
import type { Violation } from './violation.ts'

/** One violating event of a checked stream. */
export interface CheckedEvent {
  /** 1-based position in the stream (the line of a JSONL file). */
  line: number
  messageId?: string
  type: string
  event?: string
  violations: Violation[]
}

/**
 * Checks a stream of events against a compiled plan, as the pipeline would: events that are
 * not valid Segment/RudderStack events at all are reported as `Unknown-Violation` with the
 * protocol's message. Returns the violating events only.
 */
export function checkEvents(
  plan: CompiledPlan,
  events: Iterable<unknown>,
): { checked: number; violating: CheckedEvent[] } {
  const violating: CheckedEvent[] = []
  let line = 0
  for (const raw of events) {
    line++
    const valid = validateEvent(raw)
    const messageId = (raw as { messageId?: unknown } | null)?.messageId
    if (!valid.ok) {
      violating.push({
        line,
        ...(typeof messageId === 'string' ? { messageId } : {}),
        type: String((raw as { type?: unknown } | null)?.type ?? '?'),
        violations: valid.errors.map((e) => ({
          type: 'Unknown-Violation',
          message: `not a valid event: ${e.message}`,
          meta: { instancePath: e.path },
        })),
      })
      continue
    }
    const event = valid.event as PatchbayEvent
    const violations = plan.validate(event)
    if (violations.length > 0)
      violating.push({
        line,
        ...(typeof messageId === 'string' ? { messageId } : {}),
        type: event.type,
        ...(event.type === 'track' ? { event: (event as { event: string }).event } : {}),
        violations,
      })
  }
  return { checked: line, violating }
}
