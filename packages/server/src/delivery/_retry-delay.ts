/**
 * The wait before attempt `attempt + 1` of a job: the destination's Retry-After when it
 * sent one, else exponential backoff with equal jitter, between half and all of
 * min(max, base·2^(attempt-1)). Unlike full jitter it never retries at once, which matters
 * when a receiver is down and every job in the queue would otherwise spin.
 */
export function retryDelay(
  attempt: number,
  retry: { baseDelayMs: number; maxDelayMs: number },
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return retryAfterMs
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}
