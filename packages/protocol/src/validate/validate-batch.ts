import { Compile } from 'typebox/compile'
import { type BatchEnvelope, BatchEnvelopeSchema } from '../schema/batch.ts'
import type { PatchbayEvent } from '../schema/events.ts'
import { describeValue } from './_describe.ts'
import { toIssues } from './_issues.ts'
import { validateAt } from './validate-event.ts'
import type { ValidationIssue } from './validation-issue.ts'

/** An item of a batch that failed validation, by its index in `batch`. */
export interface RejectedEvent {
  index: number
  messageId: string | undefined
  errors: ValidationIssue[]
}

export type BatchValidationResult =
  | {
      ok: true
      envelope: BatchEnvelope
      /** The valid events, with the envelope's fields applied (see validateBatch). */
      events: PatchbayEvent[]
      /** Indices of `events` in the original `batch`. */
      indices: number[]
      rejected: RejectedEvent[]
    }
  | { ok: false; errors: ValidationIssue[] }

let envelopeValidator: ReturnType<typeof Compile> | undefined

/**
 * Checks a batch envelope `{ batch: [...], sentAt?, context?, integrations?, writeKey? }`
 * and each of its events. A bad envelope fails as a whole; a bad event is listed in
 * `rejected` (paths like `/batch/3/event`) and the others stay valid.
 *
 * Events inherit what the envelope sets for all of them, as the Segment and RudderStack
 * batch APIs do: `sentAt` when the event has none, and `context` and `integrations`
 * merged key by key, with the event's own keys winning. Inputs are never mutated.
 */
export function validateBatch(value: unknown): BatchValidationResult {
  envelopeValidator ??= Compile(BatchEnvelopeSchema)
  if (!envelopeValidator.Check(value)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return {
        ok: false,
        errors: [
          {
            path: '',
            keyword: 'type',
            message: `a batch must be a JSON object with a \`batch\` array, got ${describeValue(value)}`,
          },
        ],
      }
    }
    return {
      ok: false,
      errors: toIssues('batch', envelopeValidator.Errors(value), BatchEnvelopeSchema, value),
    }
  }
  const envelope = value as BatchEnvelope
  const events: PatchbayEvent[] = []
  const indices: number[] = []
  const rejected: RejectedEvent[] = []
  envelope.batch.forEach((item, index) => {
    const merged = inherit(item, envelope)
    const result = validateAt(merged, `/batch/${index}`)
    if (result.ok) {
      events.push(result.event)
      indices.push(index)
    } else {
      const messageId = typeof item.messageId === 'string' ? item.messageId : undefined
      rejected.push({ index, messageId, errors: result.errors })
    }
  })
  return { ok: true, envelope, events, indices, rejected }
}

function inherit(item: Record<string, unknown>, envelope: BatchEnvelope): Record<string, unknown> {
  const { sentAt, context, integrations } = envelope
  if (sentAt === undefined && context === undefined && integrations === undefined) return item
  const out: Record<string, unknown> = { ...item }
  if (sentAt !== undefined && out.sentAt === undefined) out.sentAt = sentAt
  if (context !== undefined) out.context = mergeObject(context, item.context)
  if (integrations !== undefined) out.integrations = mergeObject(integrations, item.integrations)
  return out
}

function mergeObject(base: object, own: unknown): unknown {
  if (own === undefined) return base
  if (own === null || typeof own !== 'object' || Array.isArray(own)) return own
  return { ...base, ...own }
}
