import type { PatchbayEvent } from '@patchbay/protocol'

/**
 * What one transformation step did to one event, for a host that shows it (the gateway's
 * console shows each step's diff). `before` and `after` are the engine's own frozen events:
 * references, not copies.
 */
export type StepReport = {
  /** The input event's position in the batch (`events[index]` of `transform`). */
  index: number
  /** The step's id (`transformations[].id` of the pipeline). */
  step: string
  /** The event the step was given (an input can fan out: one report per event it became). */
  before: PatchbayEvent
} & (
  | { status: 'skipped' }
  | { status: 'ran'; after: readonly PatchbayEvent[] }
  | { status: 'failed'; error: { code: string; message: string } }
)

/**
 * Watches the transformation chain of one `transform` call: after each step, `report` is
 * called once per watched event the step saw: `skipped` (its filter did not match), `ran`
 * with what it returned (`[]`: dropped; the same object: unchanged) or `failed`. Without an
 * observer the chain does no extra work; with one, only inputs `wants` accepts are reported.
 * Error messages are the step's own: redact them before showing them (`pipeline.redactor`).
 *
 * @example
 * const steps: StepReport[] = []
 * await pipeline.transform(events, { observeSteps: { wants: (i) => i === 0, report: (r) => steps.push(r) } })
 */
export interface StepObserver {
  /** Which inputs to report, by position (default: all). Asked once per input, before the chain runs. */
  wants?(index: number): boolean
  report(step: StepReport): void
}
