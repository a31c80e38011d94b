import type { PatchbayEvent } from '@patchbay/protocol'
import { urlTarget } from '../delivery/_url-target.ts'
import type { DeliveryResult } from '../delivery/deliverer.ts'
import { AbortedError, InvalidEventError } from '../errors/errors.ts'
import type { PatchbayError } from '../errors/patchbay-error.ts'
import type { HttpRequest, HttpResponse } from '../http/http-request.ts'
import type { BatchPlan, DestinationContext } from '../plugin/define-destination.ts'
import { runtimeServices } from '../plugin/manifest.ts'
import { chunkItems } from './_chunks.ts'
import { asStepError } from './_plugin-transformation.ts'
import type { Stopped } from './_run-chain.ts'
import type { EngineDeliverer, PreparedDestination, WorkItem } from './_steps.ts'
import type { Outcome } from './outcome.ts'
import { type RouteContext, routeTo } from './route.ts'

interface Tally {
  requests: number
  attempts: number
  delivered: number
  failure?: PatchbayError
  dropped?: string
  exchanges?: unknown[]
}

interface Job {
  request: HttpRequest
  items: WorkItem[]
}

/**
 * Routes, maps and delivers a batch at one destination, and returns one outcome per input
 * event (`origins` lists every input index).
 */
export async function runDestination(
  dest: PreparedDestination,
  deliverer: EngineDeliverer,
  items: WorkItem[],
  stopped: Map<number, Stopped>,
  inputs: Array<{ messageId?: string }>,
  { record, singleAttempt }: { record: boolean; singleAttempt: boolean },
  /**
   * For the route stage; `consentChecked`: the events were routed here already, with their
   * source's policy. `proceed`: asked before each send (see `DeliverCallOptions.proceed`).
   */
  routing: RouteContext & { consentChecked?: boolean; proceed?: () => boolean } = {},
): Promise<Outcome[]> {
  const tallies = new Map<number, Tally>()
  const tally = (origin: number) => {
    let t = tallies.get(origin)
    if (!t) {
      t = { requests: 0, attempts: 0, delivered: 0 }
      tallies.set(origin, t)
    }
    return t
  }
  const fail = (origin: number, error: PatchbayError) => {
    const t = tally(origin)
    t.failure ??= error
  }
  const ctx: DestinationContext<unknown> = {
    ...runtimeServices,
    config: dest.config,
    logger: dest.logger,
    plugin: dest.source,
  }

  const routed: WorkItem[] = []
  const target = routing.consentChecked ? { ...dest, consent: undefined } : dest
  for (const item of items) {
    const decision = routeTo(item.event, target, routing)
    if (decision.status === 'dropped') tally(item.origin).dropped ??= decision.reason
    else if (decision.status === 'failed') fail(item.origin, decision.error)
    else routed.push(item)
  }

  const { proceed } = routing
  const jobs = dest.batching
    ? await planBatches(dest, ctx, routed, tally, fail)
    : await planEach(dest, ctx, routed, tally, fail)

  await Promise.all(
    jobs.map(async (job) => {
      let verdicts: Array<PatchbayError | null> | undefined
      const handleResponse = dest.plugin.handleResponse
        ? (response: HttpResponse, request: HttpRequest) => {
            const verdict = dest.plugin.handleResponse!(response, {
              ...ctx,
              request,
              events: job.items.length,
            } as never)
            if (!Array.isArray(verdict)) return verdict
            verdicts = verdict
            return 'delivered' as const
          }
        : undefined
      const result = await deliverer.deliver(
        job.request,
        handleResponse || proceed
          ? { ...(handleResponse ? { handleResponse } : {}), ...(proceed ? { proceed } : {}) }
          : undefined,
      )
      const failure = result.status === 'failed' ? finalError(result, dest, singleAttempt) : undefined
      // A request counts once per input event it carries (a fanned-out event may be in it twice).
      const origins =
        job.items.length === 1 ? [job.items[0]!.origin] : new Set(job.items.map((i) => i.origin))
      for (const origin of origins) {
        const t = tally(origin)
        t.requests++
        t.attempts += result.attempts
        if (record && result.exchanges) {
          t.exchanges ??= []
          t.exchanges.push(...result.exchanges)
        }
      }
      job.items.forEach((item, k) => {
        const error = failure ?? verdicts?.[k] ?? undefined
        if (error) fail(item.origin, error)
        else tally(item.origin).delivered++
      })
    }),
  )

  return inputs.map((input, index): Outcome => {
    const base = { index, destination: dest.id, ...(input.messageId ? { messageId: input.messageId } : {}) }
    const stop = stopped.get(index)
    if (stop?.status === 'failed')
      return { ...base, status: 'failed', step: stop.step, error: errorJson(stop.error) }
    if (stop?.status === 'dropped')
      return { ...base, status: 'dropped', step: stop.step, reason: stop.reason }
    const t = tallies.get(index)
    const counts = t
      ? { requests: t.requests, attempts: t.attempts, ...(t.exchanges ? { exchanges: t.exchanges } : {}) }
      : {}
    if (t?.failure)
      return { ...base, ...counts, status: 'failed', step: dest.label, error: errorJson(t.failure, dest) }
    if (t && t.delivered > 0)
      // The common case written out (the same fields in the same order), without spreads.
      return input.messageId && !t.exchanges
        ? {
            index,
            destination: dest.id,
            messageId: input.messageId,
            requests: t.requests,
            attempts: t.attempts,
            status: 'delivered',
          }
        : { ...base, ...counts, status: 'delivered' }
    return {
      ...base,
      ...counts,
      status: 'dropped',
      step: dest.label,
      reason: t?.dropped ?? 'destination returned null',
    }
  })
}

function errorJson(error: PatchbayError, dest?: PreparedDestination) {
  const message = dest ? dest.redactor.string(error.message) : error.message
  const retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs
  return {
    code: error.code,
    message,
    retryable: error.family === 'retryable',
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  }
}

/**
 * The error an outcome reports: retries that ran out become PB_DELIVERY_EXHAUSTED, unless
 * the caller makes single attempts and schedules the retries itself.
 */
function finalError(
  result: DeliveryResult,
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

function checkRequest(request: unknown, dest: PreparedDestination, event?: PatchbayEvent): HttpRequest {
  const r = request as Partial<HttpRequest> | null
  let ok = typeof r === 'object' && r !== null && typeof r.method === 'string' && typeof r.url === 'string'
  if (ok) {
    try {
      const { protocol } = urlTarget(r!.url!)
      ok = protocol === 'http:' || protocol === 'https:'
    } catch {
      ok = false
    }
  }
  if (!ok) {
    throw new InvalidEventError(
      `${dest.label} (${dest.source}) built a request without a valid method and absolute http(s) URL: ${JSON.stringify(r)?.slice(0, 200)}`,
      {
        code: 'PB_TRANSFORM_INVALID_OUTPUT',
        plugin: dest.source,
        step: dest.label,
        messageId: event?.messageId,
      },
    )
  }
  return r as HttpRequest
}

async function planEach(
  dest: PreparedDestination,
  ctx: DestinationContext<unknown>,
  items: WorkItem[],
  tally: (origin: number) => Tally,
  fail: (origin: number, error: PatchbayError) => void,
): Promise<Job[]> {
  const jobs: Job[] = []
  for (const item of items) {
    try {
      const out = await dest.plugin.transform(item.event as never, ctx as never)
      if (out === null || out === undefined) {
        tally(item.origin).dropped ??= 'destination returned null'
        continue
      }
      for (const request of Array.isArray(out) ? out : [out])
        jobs.push({ request: checkRequest(request, dest, item.event), items: [item] })
    } catch (cause) {
      fail(
        item.origin,
        asStepError(cause, { plugin: dest.source, step: dest.label, messageId: item.event.messageId }),
      )
    }
  }
  return jobs
}

async function planBatches(
  dest: PreparedDestination,
  ctx: DestinationContext<unknown>,
  items: WorkItem[],
  tally: (origin: number) => Tally,
  fail: (origin: number, error: PatchbayError) => void,
): Promise<Job[]> {
  const { maxEvents, maxBytes } = dest.batching!
  const chunks = chunkItems(items, maxEvents, maxBytes)

  const jobs: Job[] = []
  for (const part of chunks) {
    let plan: BatchPlan
    // The plugin gets its own array (the events in it are frozen): it may sort or splice it.
    const batch = part.map((i) => i.event)
    try {
      plan = await dest.plugin.transformBatch!(batch as never, ctx as never)
    } catch (cause) {
      const error = asStepError(cause, { plugin: dest.source, step: dest.label })
      for (const item of part) fail(item.origin, error)
      continue
    }
    const itemAt = batchIndexResolver(part, batch)
    const mentioned = new Set<WorkItem>()
    for (const entry of plan) {
      const members = entry.events.map(itemAt).filter((i): i is WorkItem => i !== undefined)
      for (const member of members) mentioned.add(member)
      if ('error' in entry) for (const item of members) fail(item.origin, entry.error)
      else {
        try {
          jobs.push({ request: checkRequest(entry.request, dest), items: members })
        } catch (error) {
          for (const item of members) fail(item.origin, error as PatchbayError)
        }
      }
    }
    part.forEach((item) => {
      if (!mentioned.has(item)) tally(item.origin).dropped ??= 'destination mapped it to no request'
    })
  }
  return jobs
}

/**
 * Maps the indices a `transformBatch` plan names to work items. An index means the event at
 * that position of the array as the plugin left it, so a plugin that sorted its array in
 * place still gets each outcome on the right event: events are matched by identity. An
 * element the plugin replaced with an object it did not receive falls back to the position.
 */
function batchIndexResolver(
  part: WorkItem[],
  batch: readonly unknown[],
): (k: number) => WorkItem | undefined {
  const byEvent = new Map<unknown, WorkItem[]>()
  for (const item of part) byEvent.set(item.event, [...(byEvent.get(item.event) ?? []), item])
  return (k) => {
    const event = batch[k]
    if (part[k]?.event === event) return part[k]
    const owners = byEvent.get(event)
    return owners?.length === 1 ? owners[0] : part[k]
  }
}
