import { durationText } from '../_duration-text.ts'
import type { StoreStats } from '../store/store.ts'

/**
 * The backpressure rule: a reason to refuse new events while pending events plus queued jobs
 * reach `maxQueued`, or the oldest queued item is older than `maxAgeMs` (0: no age limit).
 * Reads the store's in-memory counters, so it is cheap enough for every request.
 */
export function overloadCheck(
  stats: () => Promise<StoreStats>,
  limits: { maxQueued: number; maxAgeMs: number },
  now: () => number = Date.now,
): () => Promise<string | undefined> {
  return async () => {
    const current = await stats()
    let queued = current.pendingEvents
    for (const states of Object.values(current.jobs))
      queued += states.waiting + states.retrying + states.in_flight
    if (queued >= limits.maxQueued) return `${queued} events and jobs are queued (limit ${limits.maxQueued})`
    const oldest = current.oldestPendingAt
    if (limits.maxAgeMs > 0 && oldest !== null && now() - oldest > limits.maxAgeMs)
      return `the oldest queued item is ${durationText(now() - oldest)} old (limit ${durationText(limits.maxAgeMs)})`
    return undefined
  }
}
