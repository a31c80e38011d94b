import { afterEach, beforeEach } from 'vitest'
import { useChildGateways } from './_child.ts'
import { createTestDatabase } from './store/_postgres.ts'

/** What the multi-node tests share: their per-test setup, the nodes' options and the per-user order check at the receiver. */

/** The child gateways' SDK source write key, as a Basic authorization header. */
export const basic = `Basic ${Buffer.from('wk_test_0123456789:').toString('base64')}`

/**
 * Call at a test file's top level. Each test gets a database of its own (`database()`), named
 * `<prefix>_<random>` and dropped after it; what the test pushes on `closers` is closed after
 * it, last first; its child gateways are killed after the closers and before the database is
 * dropped.
 */
export function useMultiNodeTest(prefix: string) {
  const closers: Array<() => unknown> = []
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined
  beforeEach(async () => {
    database = await createTestDatabase(`${prefix}_${Math.random().toString(36).slice(2, 8)}`)
  })
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close()
  })
  // Registered after the hook above and before the one below (vitest runs afterEach hooks in order).
  const { spawnGateway } = useChildGateways({ per: 'test' })
  afterEach(async () => {
    await database?.drop()
    database = undefined
  })
  return {
    closers,
    spawnGateway,
    database: () => {
      if (!database) throw new Error('database() is for inside a test: each test gets its own')
      return database
    },
  }
}

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
