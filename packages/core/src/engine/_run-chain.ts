import { type PatchbayEvent, validateEvent } from '@patchbay/protocol'
import { InvalidEventError } from '../errors/errors.ts'
import type { PatchbayError } from '../errors/patchbay-error.ts'
import { deepFreeze } from './_freeze.ts'
import type { PreparedTransformation, WorkItem } from './_steps.ts'
import { matchesFilter } from './route.ts'
import type { StepObserver, StepReport } from './step-observer.ts'

/** Why an input event stopped before reaching the destinations. */
export type Stopped =
  | { status: 'failed'; step: string; error: PatchbayError }
  | { status: 'dropped'; step: string; reason: string }

/**
 * Runs the transformation chain over a batch. Events a step's filter does not match pass
 * through untouched. An input event is failed as a whole if any step fails any event it
 * produced (nothing of it is delivered), and dropped when no event of it survives.
 * `observe`: what each step did to the watched inputs (nothing extra is done without it).
 */
export async function runChain(
  steps: readonly PreparedTransformation[],
  input: WorkItem[],
  metadata: { sourceId?: string },
  stopped: Map<number, Stopped>,
  observe?: StepObserver,
): Promise<WorkItem[]> {
  let items = input
  const lastDrop = new Map<number, string>()
  const watched = observe ? watchedOrigins(input, observe) : undefined
  const report = (r: StepReport) => {
    try {
      observe!.report(r)
    } catch {
      // an observer's error never changes what the chain does
    }
  }
  for (const step of steps) {
    const matched: number[] = []
    items.forEach((item, i) => {
      if (matchesFilter(item.event, step.filter)) matched.push(i)
      else if (watched?.has(item.origin))
        report({ index: item.origin, step: step.id, before: item.event, status: 'skipped' })
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
      const watching = watched?.has(item.origin) === true
      if (!result.ok) {
        if (!stopped.has(item.origin))
          stopped.set(item.origin, { status: 'failed', step: step.label, error: result.error })
        if (watching)
          report({ index: item.origin, step: step.id, before: item.event, ...failure(result.error) })
        continue
      }
      if (result.events.length === 0) lastDrop.set(item.origin, step.label)
      const after: PatchbayEvent[] = []
      for (const event of result.events) {
        // Returned unchanged: already valid. Anything new must still be a valid event.
        if (event === item.event || checkOutput(event, item.origin, step.label, stopped)) {
          const kept = deepFreeze(event) as PatchbayEvent
          next.push({ origin: item.origin, event: kept })
          if (watching) after.push(kept)
        } else if (watching) {
          const stop = stopped.get(item.origin)
          if (stop?.status === 'failed')
            report({ index: item.origin, step: step.id, before: item.event, ...failure(stop.error) })
        }
      }
      if (watching && after.length === result.events.length)
        report({ index: item.origin, step: step.id, before: item.event, status: 'ran', after })
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

/** The inputs an observer watches, by origin. */
function watchedOrigins(input: WorkItem[], observe: StepObserver): Set<number> {
  const set = new Set<number>()
  for (const item of input) if (!observe.wants || observe.wants(item.origin)) set.add(item.origin)
  return set
}

const failure = (error: PatchbayError) =>
  ({ status: 'failed', error: { code: error.code, message: error.message } }) as const

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
