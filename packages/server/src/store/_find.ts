import type { FindQuery, FindResult, StoredMatch } from './store.ts'

/** Rows a look-up reads per query: small enough that SQLite (synchronous) never holds the event loop long. */
export const FIND_CHUNK = 2_000
/** Rows of each table a look-up reads at most, by default (newest first). */
export const FIND_SCAN = 1_000_000
/** Matches of each table a look-up returns at most. */
export const FIND_LIMIT_MAX = 500

/**
 * One table's page of a look-up: the rows with keys in [low, before), newest first, that
 * match; `low` is null when no row is older than `before`.
 */
export type FindPage = (
  before: number,
  chunk: number,
  wanted: { messageId: string | null; user: string | null },
) => Promise<{ low: number | null; matches: StoredMatch[] }> | { low: number | null; matches: StoredMatch[] }

/** The key no row reaches (bigserial / INTEGER PRIMARY KEY keys are below it). */
const TOP = Number.MAX_SAFE_INTEGER

/**
 * Looks an event up by messageId or user in each table (pending events, jobs, dead
 * letters), newest first, one chunk at a time with a turn of the event loop between chunks:
 * at most `limit` matches and `scan` rows per table. `complete` is false when a table
 * stopped at either bound before its oldest row.
 */
export async function findInTables(tables: readonly FindPage[], query: FindQuery): Promise<FindResult> {
  const messageId = query.messageId || null
  const user = query.user || null
  if (!messageId && !user) throw new Error('find needs a messageId or a user (userId or anonymousId)')
  const limit = Math.max(1, Math.min(FIND_LIMIT_MAX, Math.floor(query.limit)))
  const scan = Math.max(1, Math.floor(query.scan ?? FIND_SCAN))
  const matches: StoredMatch[] = []
  let complete = true
  for (const page of tables) {
    let before = TOP
    let scanned = 0
    let found = 0
    for (;;) {
      const chunk = Math.min(FIND_CHUNK, scan - scanned)
      const got = await page(before, chunk, { messageId, user })
      for (const m of got.matches.slice(0, limit - found)) matches.push(m)
      found += Math.min(got.matches.length, limit - found)
      if (got.low === null) break
      scanned += chunk
      before = got.low
      if (found >= limit || scanned >= scan) {
        // Stopped early: older rows may hold more (a last empty page would say it did not).
        complete = false
        break
      }
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }
  return { matches, complete }
}
