import type pg from 'pg'
import { queryOnce } from './_pool.ts'

/**
 * Below this, a node's clock counts as the database's: the offset is not applied (the times
 * the store keeps are then exactly the callers' own, as with SQLite).
 */
export const CLOCK_TOLERANCE_MS = 500

/** How often a node compares its clock with the database's again. */
export const CLOCK_CHECK_MS = 10_000

/**
 * The distance from this node's clock (`Date.now`, which the workers and the processor stamp
 * jobs with) to the database's. Every node keeps the queue's times (a job's due time, when it
 * was queued) in the database's clock, so that nodes whose clocks disagree still agree on
 * what is due: without it, a node ten minutes behind took none of the jobs another node
 * queued or scheduled for a retry (they were "due" ten minutes later on its clock), and the
 * jobs a node ten minutes ahead queued waited ten minutes for any other node.
 *
 * `toDb` turns a time of this node's clock into the database's, `fromDb` back.
 */
export interface NodeClock {
  readonly offsetMs: number
  toDb(t: number): number
  fromDb(t: number): number
  /** Measures the offset again (one query); a failure keeps the last one. */
  check(): Promise<void>
}

export function createNodeClock(pool: pg.Pool, now: () => number = Date.now): NodeClock {
  let offset = 0
  return {
    get offsetMs() {
      return offset
    },
    toDb: (t) => t + offset,
    fromDb: (t) => t - offset,
    async check() {
      const before = now()
      const { rows } = await queryOnce(
        pool,
        'pb_clock',
        'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS t',
      )
      const after = now()
      // The database read its clock about halfway through the round trip.
      const measured = (rows[0].t as number) - (before + after) / 2
      offset = Math.abs(measured) < CLOCK_TOLERANCE_MS ? 0 : Math.round(measured)
    },
  }
}
