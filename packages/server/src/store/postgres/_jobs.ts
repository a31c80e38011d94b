import type pg from 'pg'
import { markJobGone } from '../_unavailable.ts'
import type { Store } from '../store.ts'
import { claimAnySql, claimOrderedSql, keyCapOf, windowOf } from './_claim.ts'
import type { ParsedEvents } from './_parsed-events.ts'
import { inTransaction, type Query, queryOnce } from './_pool.ts'
import { toJob } from './_rows.ts'

export type JobQueue = Pick<Store, 'claim' | 'complete' | 'retry' | 'abort' | 'releaseInFlight'> &
  Required<Pick<Store, 'release' | 'heldUntil'>> & {
    /** Extends the leases of every job this node holds; returns how many. */
    heartbeat(): Promise<number>
    /** Gives this node's in-flight jobs back (graceful close): they are delivered again. */
    releaseOwn(): Promise<number>
  }

const missing = (method: string, jobId: number) =>
  markJobGone(new Error(`${method}: job ${jobId} does not exist (it was completed or aborted already)`))

/** Why `method` found no job of this node's to settle: gone, or held by another node now. */
async function notOwned(query: Query, method: string, jobId: number): Promise<Error> {
  const { rows } = await query('pb_job_holder', 'SELECT node FROM patchbay.jobs WHERE id = $1', [jobId])
  if (rows.length === 0) return missing(method, jobId)
  return markJobGone(
    new Error(
      `${method}: job ${jobId} is held by node ${rows[0].node} now: this node's lease ran out and that node took the job over, so this node's attempt is not recorded (that node settles the job)`,
    ),
  )
}

/**
 * The job is this node's to settle: not in flight on another node. A node whose lease ran out
 * (frozen, cut off) while it delivered a job learns how its attempt went only after another
 * node took the job over: recording that attempt then (a retry, a dead letter, a completion)
 * would change a job the other node is delivering, and a retry made it claimable again while
 * that delivery was open (two live nodes delivering one job, and the user's next job free to
 * go). The attempt is dropped instead; the other node settles the job. A job that went back
 * to waiting (its lease expired, nobody took it yet) is still settled.
 */
const OWNED = (nodeParam: string, alias = '') =>
  `(${alias}state <> 'in_flight' OR ${alias}node = ${nodeParam})`

/**
 * Deletes jobs, then the processed events no job references any more: one statement,
 * `patchbay.complete_jobs` (see _functions.ts), which locks the events first so that two
 * nodes completing the last two jobs of one event in parallel cannot both see the other's
 * job and leave the event behind. Its own transaction when `query` is outside one.
 */
export async function removeJobs(query: Query, ids: number[]): Promise<number> {
  const { rows } = await query('pb_complete_jobs', 'SELECT patchbay.complete_jobs($1::bigint[]) AS removed', [
    ids,
  ])
  return rows[0].removed as number
}

/** The jobs table, shared by every node: leased claims, settling, and taking over expired leases. */
export function createJobQueue(pool: pg.Pool, node: string, leaseMs: number, parsed: ParsedEvents): JobQueue {
  /**
   * The jobs this node's workers hold: claimed, not settled yet. Heartbeats extend these
   * leases only, never every job that names this node: a claim that committed but whose
   * answer was lost (the connection broke on the way back) names this node, yet no worker
   * holds its jobs; its lease runs out and another node delivers them.
   */
  const held = new Map<number, number>()
  const settled = (ids: readonly number[]) => {
    for (const id of ids) held.delete(id)
  }
  /**
   * Each held job's lease runs until the database's now() + leaseMs when the claim or the
   * heartbeat ran, which is after this node sent it: `held` keeps the send time, so
   * renewal + leaseMs is never later than the lease. The margin covers a database whose clock
   * runs a little faster than this machine's.
   */
  const margin = Math.min(1_000, leaseMs / 10)
  const releaseExpired = async () =>
    (
      await queryOnce(
        pool,
        'pb_release_expired',
        `UPDATE patchbay.jobs SET state = 'waiting', node = NULL, lease_until = NULL
         WHERE state = 'in_flight' AND lease_until < now()`,
      )
    ).rowCount ?? 0

  return {
    async claim(destinationId, { limit, now, ordered }) {
      const sentAt = performance.now()
      const { rows } = ordered
        ? await queryOnce(pool, 'pb_claim_ordered', claimOrderedSql, [
            destinationId,
            now,
            limit,
            node,
            leaseMs,
            windowOf(limit),
            keyCapOf(limit),
          ])
        : await queryOnce(pool, 'pb_claim_any', claimAnySql, [destinationId, now, limit, node, leaseMs])
      for (const row of rows) held.set(row.id as number, sentAt)
      return rows.map((row) => toJob(row, parsed.parse))
    },
    async complete(jobIds) {
      // One statement, one round trip: no BEGIN or COMMIT of its own to wait for. A job another
      // node holds now (it took the job over) is left to that node (see OWNED).
      if (jobIds.length > 0)
        await queryOnce(
          pool,
          'pb_complete_own_jobs',
          `SELECT patchbay.complete_jobs(ARRAY(SELECT id FROM patchbay.jobs WHERE id = ANY($1::bigint[]) AND ${OWNED('$2')}
             ORDER BY id FOR UPDATE))`,
          [jobIds, node],
        )
      settled(jobIds)
    },
    async retry(jobId, { nextAt, error }) {
      const { rowCount } = await queryOnce(
        pool,
        'pb_retry',
        `UPDATE patchbay.jobs SET state = 'retrying', attempts = attempts + 1, next_at = $2, last_error = $3,
           node = NULL, lease_until = NULL
         WHERE id = $1 AND ${OWNED('$4')}`,
        [jobId, nextAt, error, node],
      )
      settled([jobId])
      if (rowCount === 0)
        throw await notOwned((name, text, values) => queryOnce(pool, name, text, values), 'retry', jobId)
    },
    async abort(jobId, { reason, now }) {
      await inTransaction(
        pool,
        async (query) => {
          // A dead letter copies its event at abort time, so it outlives the event row.
          const buried = await query(
            'pb_bury_job',
            `INSERT INTO patchbay.dead_letters (destination_id, order_key, message_id, payload, attempts, reason, created_at, aborted_at, step, source_id)
             SELECT j.destination_id, j.order_key, j.message_id, coalesce(j.payload, e.event), j.attempts + 1, $2, j.created_at, $3, 'delivery', e.source_id
             FROM patchbay.jobs j LEFT JOIN patchbay.events e ON e.seq = j.event_seq WHERE j.id = $1 AND ${OWNED('$4', 'j.')} FOR UPDATE OF j`,
            [jobId, reason, now, node],
          )
          if (buried.rowCount === 0) {
            settled([jobId])
            throw await notOwned(query, 'abort', jobId)
          }
          await removeJobs(query, [jobId])
        },
        { durable: true },
      )
      settled([jobId])
    },
    releaseInFlight: releaseExpired,
    heldUntil(jobIds) {
      let until = Number.POSITIVE_INFINITY
      for (const id of jobIds) until = Math.min(until, held.get(id) ?? Number.NEGATIVE_INFINITY)
      return until + leaseMs - margin
    },
    async release(jobIds) {
      if (jobIds.length === 0) return 0
      const { rowCount } = await queryOnce(
        pool,
        'pb_release_jobs',
        `UPDATE patchbay.jobs SET state = 'waiting', node = NULL, lease_until = NULL
         WHERE id = ANY($1::bigint[]) AND state = 'in_flight' AND node = $2`,
        [jobIds, node],
      )
      settled(jobIds)
      return rowCount ?? 0
    },
    async heartbeat() {
      const ids = [...held.keys()]
      if (ids.length === 0) return 0
      const sentAt = performance.now()
      const { rows } = await queryOnce(
        pool,
        'pb_heartbeat',
        `UPDATE patchbay.jobs SET lease_until = now() + $2 * interval '1 millisecond'
         WHERE state = 'in_flight' AND node = $1 AND id = ANY($3::bigint[]) RETURNING id`,
        [node, leaseMs, ids],
      )
      // A job the heartbeat did not find is no longer this node's (taken over, or settled
      // meanwhile): heldUntil says so at once.
      const kept = new Set(rows.map((row) => row.id as number))
      for (const id of ids) {
        if (!held.has(id)) continue
        if (kept.has(id)) held.set(id, sentAt)
        else held.delete(id)
      }
      return kept.size
    },
    async releaseOwn() {
      const { rowCount } = await queryOnce(
        pool,
        'pb_release_own',
        `UPDATE patchbay.jobs SET state = 'waiting', node = NULL, lease_until = NULL
         WHERE state = 'in_flight' AND node = $1`,
        [node],
      )
      held.clear()
      return rowCount ?? 0
    },
  }
}
