import type { PatchbayEvent } from '@patchbay/protocol'
import { InvalidEventError } from '../errors/errors.ts'
import { isPatchbayError, PatchbayError } from '../errors/patchbay-error.ts'
import type { TransformationContext, TransformationPlugin } from '../plugin/define-transformation.ts'
import type { StepResult } from './_steps.ts'

/** Wraps whatever a transformation threw as a PatchbayError that names the step and event. */
export function asStepError(
  cause: unknown,
  where: { plugin: string; step: string; messageId?: string },
): PatchbayError {
  if (isPatchbayError(cause)) return cause
  const message =
    cause instanceof Error
      ? cause.message
      : typeof cause === 'string'
        ? cause
        : 'a non-Error value was thrown'
  return new PatchbayError('PB_TRANSFORM_FAILED', `${where.step} (${where.plugin}) failed: ${message}`, {
    plugin: where.plugin,
    step: where.step,
    messageId: where.messageId,
    cause,
  })
}

/** Normalises a transformEvent return value: null drops, an array fans out, an object passes. */
export function toStepResult(
  output: unknown,
  where: { plugin: string; step: string; messageId?: string },
): StepResult {
  if (output === null || output === undefined) return { ok: true, events: [] }
  const events = Array.isArray(output) ? output : [output]
  for (const e of events) {
    if (typeof e !== 'object' || e === null || Array.isArray(e)) {
      return {
        ok: false,
        error: new InvalidEventError(
          `${where.step} (${where.plugin}) returned ${e === null ? 'null inside an array' : typeof e} for event ${where.messageId ?? '(no messageId)'}; return an event object, an array of them, or null to drop`,
          { code: 'PB_TRANSFORM_INVALID_OUTPUT', ...where },
        ),
      }
    }
  }
  return { ok: true, events }
}

/** Runs a transformation plugin over a batch, with one result per input event. */
export async function runPluginTransformation(
  plugin: TransformationPlugin,
  ctx: TransformationContext<unknown>,
  events: PatchbayEvent[],
): Promise<StepResult[]> {
  const where = { plugin: `${plugin.name}@${plugin.version}`, step: `transformations.${ctx.metadata.stepId}` }
  if (plugin.transformEvent) {
    const results: StepResult[] = []
    for (const event of events) {
      const at = { ...where, messageId: event.messageId }
      try {
        results.push(toStepResult(await plugin.transformEvent(event, ctx as never), at))
      } catch (cause) {
        results.push({ ok: false, error: asStepError(cause, at) })
      }
    }
    return results
  }
  let outputs: unknown
  try {
    outputs = await plugin.transformBatch!(events, ctx as never)
  } catch (cause) {
    const error = asStepError(cause, where)
    return events.map(() => ({ ok: false, error }))
  }
  if (!Array.isArray(outputs)) {
    const error = new InvalidEventError(
      `${where.step} (${where.plugin}) transformBatch must return an array of events`,
      {
        code: 'PB_TRANSFORM_INVALID_OUTPUT',
        ...where,
      },
    )
    return events.map(() => ({ ok: false, error }))
  }
  return correlateByMessageId(events, outputs)
}

/**
 * Matches batch outputs to inputs by messageId, as RudderStack does: inputs with no output
 * were dropped; outputs whose messageId matches no input are attributed to the first input.
 */
export function correlateByMessageId(inputs: PatchbayEvent[], outputs: unknown[]): StepResult[] {
  const results: StepResult[] = inputs.map(() => ({ ok: true, events: [] as unknown[] }))
  const byId = new Map<string, number>()
  inputs.forEach((e, i) => {
    if (e.messageId !== undefined && !byId.has(e.messageId)) byId.set(e.messageId, i)
  })
  for (const out of outputs) {
    const id =
      typeof out === 'object' && out !== null ? (out as { messageId?: unknown }).messageId : undefined
    const index = (typeof id === 'string' ? byId.get(id) : undefined) ?? 0
    const slot = results[index]
    if (slot?.ok) slot.events.push(out)
  }
  return results
}
