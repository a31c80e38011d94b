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
  /** A snapshot at most `maxAgeMs` old; concurrent callers share one query. */
  get(): Promise<StoreStats>
}

/**
 * The store's counts for backpressure, /health and /metrics, shared by every request of a
 * node: one query at most every `maxAgeMs`, never one per request. With several nodes the
 * counts include every node's work, up to `maxAgeMs` late.
 */
export function createStatsCache(pool: pg.Pool, maxAgeMs: number): StatsCache {
  let current: { at: number; stats: StoreStats } | undefined
  let reading: Promise<StoreStats> | undefined

  async function read(): Promise<StoreStats> {
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
    current = { at: Date.now(), stats }
    return stats
  }

  return {
    get() {
      if (current && Date.now() - current.at < maxAgeMs)
        return Promise.resolve(structuredClone(current!.stats))
      reading ??= read().finally(() => {
        reading = undefined
      })
      return reading.then((stats) => structuredClone(stats))
    },
  }
}
