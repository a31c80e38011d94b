import type pg from 'pg'
import type { JobState, StoreStats } from '../store.ts'
import { queryOnce } from './_pool.ts'

/**
 * One round trip for the whole snapshot. Each part reads a partial or primary-key index; it
 * runs at most once per `maxAgeMs` per node, however many requests ask (see StatsCache).
 */
const SNAPSHOT = `
  SELECT 'e' AS k, NULL AS d, NULL AS s, count(*)::bigint AS n, min(stored_at) AS at
    FROM patchbay.events WHERE NOT processed
  UNION ALL
  SELECT 'j', destination_id, state, count(*)::bigint, min(created_at) FROM patchbay.jobs GROUP BY 2, 3
  UNION ALL
  SELECT 'd', destination_id, NULL, count(*)::bigint, NULL FROM patchbay.dead_letters GROUP BY 2`

export interface StatsCache {
  /** A snapshot at most `maxAgeMs` old, or just refreshing; concurrent callers share one query. */
  get(): Promise<StoreStats>
}

/** Reads the counts in one query (one round trip). */
export async function readStats(pool: pg.Pool): Promise<StoreStats> {
  const { rows } = await queryOnce(pool, 'pb_stats', SNAPSHOT)
  const stats: StoreStats = { pendingEvents: 0, jobs: {}, deadLetters: {}, oldestPendingAt: null }
  let oldest: number | null = null
  for (const row of rows) {
    const at = row.at as number | null
    if (at !== null) oldest = oldest === null ? at : Math.min(oldest, at)
    if (row.k === 'e') stats.pendingEvents = row.n
    else if (row.k === 'j') {
      stats.jobs[row.d] ??= { waiting: 0, in_flight: 0, retrying: 0 }
      stats.jobs[row.d]![row.s as JobState] = row.n
    } else stats.deadLetters[row.d] = row.n
  }
  stats.oldestPendingAt = oldest
  return stats
}

/**
 * The store's counts for backpressure, /health and /metrics, shared by every request of a
 * node: `read` runs at most once every `maxAgeMs`, never once per request, and no request
 * waits for it once a snapshot exists. A snapshot older than `maxAgeMs` is still served
 * while one refresh runs in the background (so an ingest request never waits for the
 * count, however large the backlog); a snapshot older than twice that, or one whose
 * refresh failed, is not: the caller waits for a fresh read, and sees its error (the
 * database is away: ingest answers 503, /health says so). With several nodes the counts
 * include every node's work, up to `maxAgeMs` late (twice that at worst).
 */
export function createStatsCache(
  read: () => Promise<StoreStats>,
  maxAgeMs: number,
  now: () => number = Date.now,
): StatsCache {
  let current: { at: number; stats: StoreStats } | undefined
  let reading: Promise<StoreStats> | undefined

  const refresh = () =>
    (reading ??= read()
      .then(
        (stats) => {
          current = { at: now(), stats }
          return stats
        },
        (error: unknown) => {
          current = undefined
          throw error
        },
      )
      .finally(() => {
        reading = undefined
      }))

  return {
    get() {
      const age = current ? now() - current.at : Number.POSITIVE_INFINITY
      if (current && age < maxAgeMs) return Promise.resolve(structuredClone(current.stats))
      if (current && age < 2 * maxAgeMs) {
        const served = structuredClone(current.stats)
        refresh().catch(() => {}) // a failure drops the snapshot: the next caller sees it
        return Promise.resolve(served)
      }
      return refresh().then((stats) => structuredClone(stats))
    },
  }
}
