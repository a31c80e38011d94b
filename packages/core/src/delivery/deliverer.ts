import { RetryableError } from '../errors/errors.ts'
import type { PatchbayError } from '../errors/patchbay-error.ts'
import type { HttpRequest, HttpResponse } from '../http/http-request.ts'
import { createRedactor, type Redactor } from '../redaction/redact.ts'
import { asked } from './_proceed.ts'
import { createSemaphore } from './_semaphore.ts'
import type { DeliveryOptions } from './delivery-options.ts'
import { type ExchangeRecord, recordExchange } from './exchange-record.ts'
import { classifyResponse, classifyTransportError } from './policy.ts'
import { createRetryPolicy } from './retry-policy.ts'
import { type Transport, toWireRequest } from './transport.ts'

export interface DelivererOptions {
  transport: Transport
  options: DeliveryOptions
  /** Names the destination in errors and records, e.g. `destinations.crm`. */
  label?: string
  redactor?: Redactor
  /** Keep a record of every attempt (redacted, capped). Default true. */
  record?: boolean
  /** Injectable for tests: clock, sleep and the jitter's random source. */
  now?: () => number
  sleep?: (ms: number) => Promise<void>
  random?: () => number
}

/** A plugin's say on a response: undefined = status policy; 'delivered'; or an error. */
export type ResponseHandler = (
  response: HttpResponse,
  request: HttpRequest,
) => PatchbayError | 'delivered' | undefined

export interface DeliveryResult {
  status: 'delivered' | 'failed'
  /** Why it failed: the last error. Its `family` says retryable or aborted. */
  error?: PatchbayError
  /** True when retries stopped because attempts or total time ran out. */
  exhausted?: boolean
  attempts: number
  elapsedMs: number
  /** The final response, when one arrived. */
  response?: HttpResponse
  /** One record per attempt (when recording). */
  exchanges?: ExchangeRecord[]
}

/** What a caller may add to one `deliver` call. */
export interface DeliverCallOptions {
  handleResponse?: ResponseHandler
  /**
   * Asked right before each attempt is sent (after waiting for a concurrency slot): false
   * means that attempt is not sent, and the call returns a retryable `PB_DELIVERY_WITHHELD`
   * failure (no retry). The gateway's PostgreSQL store answers false once this node's lease on
   * the jobs may have run out, so that a node stopped past it sends nothing another node took over.
   */
  proceed?: () => boolean
}

export interface Deliverer {
  deliver(request: HttpRequest, options?: DeliverCallOptions): Promise<DeliveryResult>
  close(): Promise<void>
}

/**
 * Delivers requests with the core policy: bounded concurrency, retries of retryable
 * failures with exponential backoff and full jitter, Retry-After honoured, and limits on
 * attempts and total time. Never throws for a delivery failure: the result says.
 *
 * @example
 * const deliverer = createDeliverer({ transport: createUndiciTransport({...}), options: resolveDeliveryOptions() })
 * const result = await deliverer.deliver({ method: 'POST', url: 'https://hooks.example/in', body: event })
 */
export function createDeliverer(init: DelivererOptions): Deliverer {
  const { transport, options } = init
  const label = init.label ?? 'destination'
  const redactor = init.redactor ?? createRedactor([])
  const now = init.now ?? Date.now
  const sleep = init.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const random = init.random ?? Math.random
  const record = init.record ?? true
  const semaphore = createSemaphore(options.concurrency)
  const policy = createRetryPolicy({ ...options.retry, random })

  return {
    async deliver(request, { handleResponse, proceed } = {}) {
      const wire = toWireRequest(request)
      const started = now()
      const exchanges: ExchangeRecord[] | undefined = record ? [] : undefined
      let attempt = 0
      for (;;) {
        attempt++
        let response: HttpResponse | undefined
        let error: PatchbayError | undefined
        if (!semaphore.tryAcquire()) await semaphore.acquire()
        if (proceed && !asked(proceed, semaphore)) {
          semaphore.release()
          return withheld(label, attempt - 1, now() - started, exchanges)
        }
        try {
          response = await transport.send(wire)
        } catch (cause) {
          error = classifyTransportError(cause, label)
        } finally {
          semaphore.release()
        }
        if (response) {
          const verdict = handleResponse?.(response, request)
          error = verdict === 'delivered' ? undefined : (verdict ?? classifyResponse(response, label, now()))
        }
        exchanges?.push(
          recordExchange(
            wire,
            { response, error: response ? undefined : error?.message },
            attempt,
            redactor,
            options.record.maxBodyBytes,
          ),
        )
        const elapsedMs = now() - started
        if (!error) {
          const delivered: DeliveryResult = { status: 'delivered', attempts: attempt, elapsedMs }
          if (response) delivered.response = response
          if (exchanges) delivered.exchanges = exchanges
          return delivered
        }
        const base = {
          attempts: attempt,
          elapsedMs,
          ...(response ? { response } : {}),
          ...(exchanges ? { exchanges } : {}),
        }
        if (error.family !== 'retryable') return { status: 'failed', error, ...base }
        const retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs
        const wait = policy.next(
          attempt,
          { retryable: true, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
          elapsedMs,
        )
        if (wait === undefined) return { status: 'failed', error, exhausted: true, ...base }
        await sleep(wait)
      }
    },
    close: () => transport.close(),
  }
}

/** The result of a request the caller's `proceed` stopped before it went out. */
function withheld(
  label: string,
  attempts: number,
  elapsedMs: number,
  exchanges: ExchangeRecord[] | undefined,
): DeliveryResult {
  const error = new RetryableError(
    `${label}: not sent: the caller withdrew the request before it went out${attempts > 0 ? ` (after ${attempts} attempt${attempts === 1 ? '' : 's'})` : ''}`,
    { code: 'PB_DELIVERY_WITHHELD', step: label },
  )
  return { status: 'failed', error, attempts, elapsedMs, ...(exchanges ? { exchanges } : {}) }
}
