import type { ClientDeliverer, ClientDeliveryResult } from '../delivery/client-deliverer.ts'
import { AbortedError } from '../errors/errors.ts'
import type { PatchbayError } from '../errors/patchbay-error.ts'
import type { ClientDestinationPlugin } from '../plugin/define-client-destination.ts'
import { chunkItems } from './_chunks.ts'
import type { Stopped } from './_run-chain.ts'
import type { PreparedDestination, WorkItem } from './_steps.ts'
import type { Outcome } from './outcome.ts'
import { type RouteContext, routeTo } from './route.ts'

/** Default bounds of one `deliverBatch` call. */
export const CLIENT_BATCH_DEFAULTS = { maxEvents: 1_000, maxBytes: 5_000_000 }

/**
 * The deliver stage of a client destination: routes, chunks by the plugin's batch bounds,
 * delivers each chunk through the client deliverer, and returns one outcome per input.
 */
export async function runClientDestination(
  dest: PreparedDestination,
  deliverer: ClientDeliverer,
  items: WorkItem[],
  stopped: Map<number, Stopped>,
  inputs: Array<{ messageId?: string }>,
  { singleAttempt }: { singleAttempt: boolean },
  /**
   * For the route stage; `consentChecked`: the events were routed here already, with their
   * source's policy. `proceed`: asked before each send (see `DeliverCallOptions.proceed`).
   */
  routing: RouteContext & { consentChecked?: boolean; proceed?: () => boolean } = {},
): Promise<Outcome[]> {
  const plugin = dest.plugin as unknown as ClientDestinationPlugin
  const decided = new Map<number, Outcome>()
  const results = new Map<number, ClientDeliveryResult[]>()
  const routed: WorkItem[] = []
  const target = routing.consentChecked ? { ...dest, consent: undefined } : dest
  for (const item of items) {
    const decision = routeTo(item.event, target, routing)
    if (decision.status === 'routed') routed.push(item)
    else if (!decided.has(item.origin))
      decided.set(
        item.origin,
        decision.status === 'dropped'
          ? {
              index: item.origin,
              destination: dest.id,
              status: 'dropped',
              step: dest.label,
              reason: decision.reason,
            }
          : {
              index: item.origin,
              destination: dest.id,
              status: 'failed',
              step: dest.label,
              error: errorJson(decision.error, dest),
            },
      )
  }
  const limits = { ...CLIENT_BATCH_DEFAULTS, ...plugin.batch?.(dest.config as never) }
  for (const chunk of chunkItems(routed, limits.maxEvents, limits.maxBytes)) {
    const answers = await deliverer.deliverBatch(
      chunk.map((i) => i.event),
      routing.proceed ? { proceed: routing.proceed } : undefined,
    )
    chunk.forEach((item, k) => {
      const list = results.get(item.origin) ?? []
      list.push(answers[k]!)
      results.set(item.origin, list)
    })
  }

  return inputs.map((input, index): Outcome => {
    const base = { index, destination: dest.id, ...(input.messageId ? { messageId: input.messageId } : {}) }
    const stop = stopped.get(index)
    if (stop?.status === 'failed')
      return { ...base, status: 'failed', step: stop.step, error: errorJson(stop.error) }
    if (stop?.status === 'dropped')
      return { ...base, status: 'dropped', step: stop.step, reason: stop.reason }
    const list = results.get(index)
    if (!list)
      return {
        ...(decided.get(index) ?? { status: 'dropped', step: dest.label, reason: 'no event' }),
        ...base,
      } as Outcome
    const counts = { requests: list.length, attempts: Math.max(...list.map((r) => r.attempts)) }
    const failed = list.find((r) => r.status === 'failed')
    if (failed)
      return {
        ...base,
        ...counts,
        status: 'failed',
        step: dest.label,
        error: errorJson(finalError(failed, dest, singleAttempt), dest),
      }
    if (list.some((r) => r.status === 'delivered')) return { ...base, ...counts, status: 'delivered' }
    return {
      ...base,
      ...counts,
      status: 'dropped',
      step: dest.label,
      reason: list[0]?.reason ?? 'dropped by the destination',
    }
  })
}

function finalError(
  result: ClientDeliveryResult,
  dest: PreparedDestination,
  singleAttempt: boolean,
): PatchbayError {
  const last = result.error!
  if (!result.exhausted || singleAttempt) return last
  const seconds = (result.elapsedMs / 1000).toFixed(1)
  return new AbortedError(
    `${dest.label}: gave up after ${result.attempts} attempt${result.attempts === 1 ? '' : 's'} over ${seconds} s; last error: ${last.message}`,
    {
      code: 'PB_DELIVERY_EXHAUSTED',
      step: dest.label,
      plugin: dest.source,
      cause: last,
      details: { lastCode: last.code, attempts: result.attempts },
    },
  )
}

function errorJson(error: PatchbayError, dest?: PreparedDestination) {
  const retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs
  return {
    code: error.code,
    message: dest ? dest.redactor.string(error.message) : error.message,
    retryable: error.family === 'retryable',
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  }
}
