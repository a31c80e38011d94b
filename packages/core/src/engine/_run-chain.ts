import { type PatchbayEvent, validateEvent } from '@patchbay/protocol'
import { InvalidEventError } from '../errors/errors.ts'
import type { PatchbayError } from '../errors/patchbay-error.ts'
import { deepFreeze } from './_freeze.ts'
import type { PreparedTransformation, WorkItem } from './_steps.ts'
import { matchesFilter } from './route.ts'

/** Why an input event stopped before reaching the destinations. */
export type Stopped =
  | { status: 'failed'; step: string; error: PatchbayError }
  | { status: 'dropped'; step: string; reason: string }

/**
 * Runs the transformation chain over a batch. Events a step's filter does not match pass
 * through untouched. An input event is failed as a whole if any step fails any event it
 * produced (nothing of it is delivered), and dropped when no event of it survives.
 */
export async function runChain(
  steps: readonly PreparedTransformation[],
  input: WorkItem[],
  metadata: { sourceId?: string },
  stopped: Map<number, Stopped>,
): Promise<WorkItem[]> {
  let items = input
  const lastDrop = new Map<number, string>()
  for (const step of steps) {
    const matched: number[] = []
    items.forEach((item, i) => {
      if (matchesFilter(item.event, step.filter)) matched.push(i)
    })
    if (matched.length === 0) continue
    const results = await step.run(
      matched.map((i) => items[i]!.event),
      metadata,
    )
    const resultAt = new Map<number, (typeof results)[number]>()
    for (const [k, itemIndex] of matched.entries()) resultAt.set(itemIndex, results[k]!)
    const next: WorkItem[] = []
    for (const [i, item] of items.entries()) {
      const result = resultAt.get(i)
      if (!result) {
        next.push(item)
        continue
      }
      if (!result.ok) {
        if (!stopped.has(item.origin))
          stopped.set(item.origin, { status: 'failed', step: step.label, error: result.error })
        continue
      }
      if (result.events.length === 0) lastDrop.set(item.origin, step.label)
      for (const event of result.events) {
        // Returned unchanged: already valid. Anything new must still be a valid event.
        if (event === item.event || checkOutput(event, item.origin, step.label, stopped))
          next.push({ origin: item.origin, event: deepFreeze(event) as PatchbayEvent })
      }
    }
    items = next
  }
  const alive = new Set<number>()
  const kept: WorkItem[] = []
  for (const item of items) {
    if (stopped.get(item.origin)?.status === 'failed') continue
    alive.add(item.origin)
    kept.push(item)
  }
  for (const [origin, step] of lastDrop) {
    if (!alive.has(origin) && !stopped.has(origin))
      stopped.set(origin, { status: 'dropped', step, reason: 'returned null' })
  }
  return kept
}

/** Transformations may return anything; what goes on must still be a valid event. */
function checkOutput(event: unknown, origin: number, step: string, stopped: Map<number, Stopped>): boolean {
  const result = validateEvent(event)
  if (result.ok) return true
  if (!stopped.has(origin)) {
    const issue = result.errors[0]
    const messageId = (event as { messageId?: unknown } | null)?.messageId
    const id = typeof messageId === 'string' ? messageId : undefined
    stopped.set(origin, {
      status: 'failed',
      step,
      error: new InvalidEventError(
        `${step} returned an invalid event${id ? ` for ${id}` : ''}: ${issue?.message ?? 'not an event'}`,
        { code: 'PB_TRANSFORM_INVALID_OUTPUT', step, field: issue?.path, messageId: id },
      ),
    })
  }
  return false
}
