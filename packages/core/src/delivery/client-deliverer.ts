import { RetryableError } from '../errors/errors.ts'
import { isPatchbayError, type PatchbayError } from '../errors/patchbay-error.ts'
import type {
  ClientDestinationContext,
  ClientDestinationPlugin,
  ClientEventResult,
} from '../plugin/define-client-destination.ts'
import type { UserIdentifier } from '../privacy/user-identifier.ts'
import { createRedactor, type Redactor } from '../redaction/redact.ts'
import { asked } from './_proceed.ts'
import { createSemaphore } from './_semaphore.ts'
import type { DeliveryOptions } from './delivery-options.ts'
import { createRetryPolicy } from './retry-policy.ts'

export interface ClientDelivererOptions {
  plugin: ClientDestinationPlugin
  /** The plugin's context: parsed (frozen) config, redacting logger, clock and ids. */
  context: ClientDestinationContext<unknown>
  options: DeliveryOptions
  /** Names the destination in errors, e.g. `destinations.warehouse`. */
  label?: string
  redactor?: Redactor
  /** One attempt per batch: the caller schedules retries (the gateway's durable jobs). */
  singleAttempt?: boolean
  now?: () => number
  sleep?: (ms: number) => Promise<void>
  random?: () => number
}

/** How one event of a batch ended at a client destination. */
export interface ClientDeliveryResult {
  status: 'delivered' | 'dropped' | 'failed'
  reason?: string
  error?: PatchbayError
  /** True when retries stopped because attempts or total time ran out. */
  exhausted?: boolean
  attempts: number
  elapsedMs: number
}

/** What a caller may add to one `deliverBatch` call. */
export interface ClientDeliverCallOptions {
  /**
   * Asked right before each attempt goes to the plugin (after waiting for a concurrency
   * slot): false means it does not, and the events still pending fail with a retryable
   * `PB_DELIVERY_WITHHELD` error (no retry). See `DeliverCallOptions.proceed`.
   */
  proceed?: () => boolean
}

export interface ClientDeliverer {
  /** Delivers events (one destination batch) and returns one result per event, in order. */
  deliverBatch(
    events: readonly unknown[],
    options?: ClientDeliverCallOptions,
  ): Promise<ClientDeliveryResult[]>
  /**
   * Runs the plugin's `deleteUsers` hook with the destination's client (opened if needed),
   * retried like a batch (one attempt with `singleAttempt`). Never throws: undefined when
   * it is done, else the last error, classified and redacted.
   */
  deleteUsers(identifiers: readonly UserIdentifier[]): Promise<PatchbayError | undefined>
  /** Closes the client, if it was opened. Safe to call twice. */
  close(): Promise<void>
}

/**
 * Runs a client destination with the core policy: opens its client once (again after an
 * open that failed), bounds concurrent batches by `delivery.concurrency`, and retries the
 * events whose result is retryable with the same retry policy as HTTP delivery
 * (`createRetryPolicy`: backoff with jitter, Retry-After, attempt and time limits). Events
 * that succeeded are not sent again. Never throws for a delivery failure: results say.
 *
 * @example
 * const deliverer = createClientDeliverer({ plugin, context, options: resolveDeliveryOptions() })
 * const results = await deliverer.deliverBatch(events)
 * await deliverer.close()
 */
export function createClientDeliverer(init: ClientDelivererOptions): ClientDeliverer {
  const { plugin, context, options } = init
  const label = init.label ?? 'destination'
  const redactor = init.redactor ?? createRedactor([])
  const now = init.now ?? Date.now
  const sleep = init.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const policy = createRetryPolicy({
    ...options.retry,
    ...(init.singleAttempt ? { maxAttempts: 1 } : {}),
    random: init.random ?? Math.random,
  })
  const semaphore = createSemaphore(options.concurrency)
  let opening: Promise<unknown> | undefined
  let closed = false

  const classify = (cause: unknown, what: string): PatchbayError => {
    let error: PatchbayError
    if (isPatchbayError(cause)) error = cause
    else if (plugin.classify) {
      try {
        error = plugin.classify(cause)
      } catch (inner) {
        error = unclassified(inner, what)
      }
      if (!isPatchbayError(error)) error = unclassified(cause, what)
    } else error = unclassified(cause, what)
    return redactor.error(error)
  }
  const unclassified = (cause: unknown, what: string) =>
    new RetryableError(`${label} (${context.plugin}): ${what} failed: ${messageOf(cause)}`, {
      plugin: context.plugin,
      step: label,
      cause,
    })

  function client(): Promise<unknown> {
    if (closed) return Promise.reject(new RetryableError(`${label} is closed`, { step: label }))
    opening ??= (async () => plugin.open(context.config, context))().catch((cause) => {
      opening = undefined
      throw classify(cause, 'opening the client')
    })
    return opening
  }

  /** One attempt; undefined when `proceed` withheld it (nothing was sent). */
  async function attempt(
    events: readonly unknown[],
    proceed: (() => boolean) | undefined,
  ): Promise<ClientEventResult[] | undefined> {
    await semaphore.acquire()
    if (proceed && !asked(proceed, semaphore)) {
      semaphore.release()
      return undefined
    }
    try {
      const c = await client()
      const results = await plugin.deliverBatch(events.slice() as never, { ...context, client: c })
      if (!Array.isArray(results) || results.length !== events.length)
        throw new RetryableError(
          `${label} (${context.plugin}) deliverBatch returned ${Array.isArray(results) ? `${results.length} results` : typeof results} for ${events.length} events; it must return one result per event`,
          { step: label, plugin: context.plugin },
        )
      return results.map((r) =>
        r === null || r === undefined || !isPatchbayError(r) ? r : redactor.error(r),
      )
    } catch (cause) {
      const error = classify(cause, 'delivering a batch')
      return events.map(() => error)
    } finally {
      semaphore.release()
    }
  }

  return {
    async deliverBatch(events, { proceed } = {}) {
      const started = now()
      const results: ClientDeliveryResult[] = events.map(() => ({
        status: 'failed',
        attempts: 0,
        elapsedMs: 0,
      }))
      let pending = events.map((_, i) => i)
      for (let n = 1; pending.length > 0; n++) {
        const answers = await attempt(
          pending.map((i) => events[i]),
          proceed,
        )
        const elapsedMs = now() - started
        if (!answers) {
          const error = new RetryableError(
            `${label} (${context.plugin}): not sent: the caller withdrew the batch before it went out`,
            { code: 'PB_DELIVERY_WITHHELD', step: label, plugin: context.plugin },
          )
          for (const i of pending) Object.assign(results[i]!, { status: 'failed', error, elapsedMs })
          break
        }
        const again: number[] = []
        let wait: number | undefined
        answers.forEach((answer, k) => {
          const i = pending[k]!
          const r = results[i]!
          r.attempts = n
          r.elapsedMs = elapsedMs
          if (answer === null || answer === undefined) {
            r.status = 'delivered'
            delete r.error
          } else if (!isPatchbayError(answer)) {
            r.status = 'dropped'
            r.reason = String((answer as { dropped?: unknown }).dropped ?? 'dropped by the destination')
          } else {
            r.status = 'failed'
            r.error = answer
            if (answer.family !== 'retryable') return
            const retryAfterMs = (answer as { retryAfterMs?: number }).retryAfterMs
            const next = policy.next(
              n,
              { retryable: true, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
              elapsedMs,
            )
            if (next === undefined) {
              r.exhausted = !init.singleAttempt
              return
            }
            wait = Math.max(wait ?? 0, next)
            again.push(i)
          }
        })
        pending = again
        if (pending.length > 0 && wait !== undefined) await sleep(wait)
      }
      return results
    },
    async deleteUsers(identifiers) {
      const hook = plugin.deleteUsers
      if (!hook) return classify(new Error('the plugin has no deleteUsers hook'), 'deleting users')
      const started = now()
      for (let n = 1; ; n++) {
        let error: PatchbayError
        await semaphore.acquire()
        try {
          await hook(identifiers, { ...context, client: await client() })
          return undefined
        } catch (cause) {
          error = classify(cause, 'deleting users')
        } finally {
          semaphore.release()
        }
        if (error.family !== 'retryable') return error
        const retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs
        const next = policy.next(
          n,
          { retryable: true, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
          now() - started,
        )
        if (next === undefined) return error
        await sleep(next)
      }
    },
    async close() {
      if (closed) return
      closed = true
      const open = opening
      opening = undefined
      if (!open || !plugin.close) return
      const c = await open.catch(() => undefined)
      if (c !== undefined) await plugin.close(c, context)
    },
  }
}

function messageOf(cause: unknown): string {
  if (cause instanceof Error) return cause.message
  return typeof cause === 'string' ? cause : 'a non-Error value was thrown'
}
