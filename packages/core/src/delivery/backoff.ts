/**
 * Exponential backoff with equal jitter (AWS architecture blog, "Exponential Backoff And
 * Jitter"): attempt n waits a uniformly random time in [c/2, c), c = min(max, base·2^(n-1)).
 * The jitter spreads the retries of many clients that failed at once; unlike full jitter it
 * never retries at once, which matters when a receiver is down and a whole queue would
 * otherwise spin. The one backoff of Patchbay: `createRetryPolicy` uses it for the in-memory
 * deliverer and the gateway's durable scheduler alike.
 */
export function backoffDelay(
  attempt: number,
  { baseDelayMs, maxDelayMs }: { baseDelayMs: number; maxDelayMs: number },
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1))
  return Math.floor(ceiling / 2 + random() * (ceiling / 2))
}

/**
 * Reads a Retry-After header: delay-seconds or an HTTP date. Returns milliseconds from
 * `now`, or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}
