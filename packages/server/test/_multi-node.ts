/** What the multi-node tests share: the nodes' options and the per-user order check at the receiver. */

/** One delivery as the receiver saw it: the event's id, its user and its place in that user's stream. */
export type Arrival = { id: string; user: string; n: number }

/** Each user's first arrivals in the order of `n` (duplicates allowed, counted by the caller). */
export function outOfOrder(arrivals: readonly Arrival[]): string[] {
  const last = new Map<string, number>()
  const seen = new Set<string>()
  const wrong: string[] = []
  for (const { id, user, n } of arrivals) {
    if (seen.has(id)) continue
    seen.add(id)
    if ((last.get(user) ?? -1) > n) wrong.push(`${user}: ${n} after ${last.get(user)}`)
    last.set(user, Math.max(n, last.get(user) ?? -1))
  }
  return wrong
}

/** A node on PostgreSQL with short leases and polls, so takeovers and retries happen within a test. */
export const multiNodeOptions = (store: string, maxRetryDelayMs = 300) => ({
  store,
  postgres: { leaseMs: 1_500, poolSize: 4, statsMaxAgeMs: 200 },
  retry: { baseDelayMs: 50, maxDelayMs: maxRetryDelayMs },
  delivery: { pollMs: 50 },
})
