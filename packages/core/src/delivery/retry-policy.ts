import { backoffDelay } from './backoff.ts'

/** What a retry policy needs to know of a failure. */
export interface RetryableFailure {
  /** Whether trying again may succeed (`PatchbayError.family === 'retryable'`). */
  retryable: boolean
  /** The destination's Retry-After, when it sent one: honoured as is. */
  retryAfterMs?: number
}

export interface RetryPolicyOptions {
  baseDelayMs: number
  maxDelayMs: number
  /** Attempts in all, the first included. Default: unbounded (the time window decides). */
  maxAttempts?: number
  /** Give up when the next attempt would start later than this after the first. Default: unbounded. */
  maxElapsedMs?: number
  random?: () => number
}

/** Decides whether and when a failed attempt is tried again. */
export interface RetryPolicy {
  /**
   * After attempt `attempt` (1 for the first) failed with `error`, `elapsedMs` after the first
   * attempt started: the wait before the next attempt, or undefined to give up.
   */
  next(attempt: number, error: RetryableFailure, elapsedMs: number): number | undefined
}

/**
 * The one retry policy: core's in-memory deliverer and the gateway's durable scheduler both
 * ask it. Retry-After when the destination sent one, else exponential backoff with equal
 * jitter (`backoffDelay`); never past `maxAttempts` or the `maxElapsedMs` window.
 *
 * @example
 * const policy = createRetryPolicy({ baseDelayMs: 500, maxDelayMs: 60_000, maxElapsedMs: 86_400_000 })
 * policy.next(1, { retryable: true }, 0) // 250..500
 * policy.next(1, { retryable: false }, 0) // undefined
 */
export function createRetryPolicy(options: RetryPolicyOptions): RetryPolicy {
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY
  const maxElapsedMs = options.maxElapsedMs ?? Number.POSITIVE_INFINITY
  const random = options.random ?? Math.random
  return {
    next(attempt, error, elapsedMs) {
      if (!error.retryable || attempt >= maxAttempts) return undefined
      const wait = error.retryAfterMs ?? backoffDelay(attempt, options, random)
      return elapsedMs + wait > maxElapsedMs ? undefined : wait
    },
  }
}
