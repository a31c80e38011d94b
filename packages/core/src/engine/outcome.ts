import type { Static } from 'typebox'
import Type from 'typebox'

export const OutcomeStatusSchema = Type.Union([
  Type.Literal('delivered'),
  Type.Literal('dropped'),
  Type.Literal('failed'),
])

/**
 * What happened to one input event at one destination. Every input event gets exactly
 * one outcome per destination of the pipeline: nothing disappears silently.
 */
export const OutcomeSchema = Type.Object({
  /** Position of the event in the input batch. */
  index: Type.Integer(),
  messageId: Type.Optional(Type.String()),
  /** The destination step id. */
  destination: Type.String(),
  status: OutcomeStatusSchema,
  /** The step that dropped or failed the event: `validate`, `transformations.<id>`, `destinations.<id>`, ... */
  step: Type.Optional(Type.String()),
  /** Why it was dropped (`filter`, `integrations`, `returned null`, ...). */
  reason: Type.Optional(Type.String()),
  /** Why it failed. `retryable` tells whether a later retry may succeed. */
  error: Type.Optional(
    Type.Object({
      code: Type.String(),
      message: Type.String(),
      retryable: Type.Boolean(),
      /** When the destination said when to retry (Retry-After), in milliseconds from the answer. */
      retryAfterMs: Type.Optional(Type.Number()),
    }),
  ),
  /** Requests sent for this event at this destination (fan-out and batching may make it 0..n). */
  requests: Type.Optional(Type.Integer()),
  /** Delivery attempts, summed over its requests. */
  attempts: Type.Optional(Type.Integer()),
  /** Redacted, size-capped request/response records, for debugging. */
  exchanges: Type.Optional(Type.Array(Type.Unknown())),
})
export type Outcome = Static<typeof OutcomeSchema>
export type OutcomeStatus = Static<typeof OutcomeStatusSchema>

/** Per-destination counts, with the reasons for drops and failures. */
export interface DestinationSummary {
  delivered: number
  dropped: number
  failed: number
  /** `reason or error code` → count. */
  reasons: Record<string, number>
}

export interface RunSummary {
  events: number
  destinations: Record<string, DestinationSummary>
}

/** Counts outcomes per destination, as `patchbay run` prints them. */
export function summarizeOutcomes(events: number, outcomes: Iterable<Outcome>): RunSummary {
  const destinations: Record<string, DestinationSummary> = {}
  for (const o of outcomes) {
    const d = destinations[o.destination] ?? { delivered: 0, dropped: 0, failed: 0, reasons: {} }
    destinations[o.destination] = d
    d[o.status]++
    if (o.status !== 'delivered') {
      const key =
        o.status === 'failed'
          ? `${o.error?.code ?? 'failed'}${o.step ? ` at ${o.step}` : ''}`
          : `${o.reason ?? 'dropped'}${o.step ? ` at ${o.step}` : ''}`
      d.reasons[key] = (d.reasons[key] ?? 0) + 1
    }
  }
  return { events, destinations }
}
