import type { DatabaseSync } from 'node:sqlite'
import type { HotEvents } from './_hot-events.ts'
import { JOB_COLUMNS, textsOfMisses, toJob } from './_rows.ts'
import type { StatsCounters } from './_stats.ts'
import type { Synchronous } from './_synchronous.ts'
import { inTransaction } from './_transaction.ts'
import { markJobGone } from './_unavailable.ts'
import type { ClaimOptions, Job, JobState, Store } from './store.ts'

/** A job to queue: its payload as JSON text, or the stored event it references. */
export interface JobRecord {
  destinationId: string
  orderKey: string | null
  messageId: string
  eventSeq: number | null
  payload: string | null
}

export interface JobQueue
  extends Synchronous<
    Required<Pick<Store, 'claim' | 'complete' | 'completeAndClaim' | 'retry' | 'abort' | 'releaseInFlight'>>
  > {
  /** Queues jobs, in order, inside the caller's transaction; the caller counts them once that commits. */
  insert(jobs: readonly JobRecord[], now: number): void
  /**
   * Deletes jobs inside the caller's transaction (their keys' next jobs become heads, events
   * no job references any more go); call the returned function once that commits, to count.
   */
  purge(jobIds: number[]): () => void
}

interface RemovedJob {
  destinationId: string
  orderKey: string | null
  state: JobState
  eventSeq: number | null
}

/** Rows per multi-row INSERT (8 parameters each; SQLite allows 32,766). */
const INSERT_CHUNK = 64

/** The jobs table: claiming, settling and recovering jobs, with the stats kept in step. */
export function createJobQueue(db: DatabaseSync, stats: StatsCounters, hot: HotEvents): JobQueue {
  // Keys of these destinations that have jobs already: a new job is its key's head only
  // when its key has none (it has the highest id), and only the first of a batch.
  const keysWithJobs = db.prepare(`
    SELECT k.value ->> 0 AS destinationId, k.value ->> 1 AS orderKey FROM json_each(?) AS k
    WHERE EXISTS (SELECT 1 FROM jobs WHERE destination_id = k.value ->> 0 AND order_key = k.value ->> 1)`)
  const inserts = new Map<number, ReturnType<DatabaseSync['prepare']>>()
  /** A multi-row INSERT of `n` jobs (8 parameters each), prepared once per size. */
  const insertOf = (n: number) => {
    let statement = inserts.get(n)
    if (!statement) {
      statement = db.prepare(
        `INSERT INTO jobs (destination_id, order_key, message_id, event_seq, payload, head, next_at, created_at, state) VALUES ${Array.from({ length: n }, () => "(?, ?, ?, ?, ?, ?, ?, ?, 'waiting')").join(', ')}`,
      )
      inserts.set(n, statement)
    }
    return statement
  }
  const due = `WHERE j.destination_id = $destinationId AND j.state <> 'in_flight' AND j.next_at <= $now`
  // Without the referenced events' text: the hot cache holds those just processed; misses are read after.
  const claimAny = db.prepare(
    `SELECT ${JOB_COLUMNS} FROM jobs AS j INDEXED BY jobs_due ${due} ORDER BY j.next_at, j.id LIMIT $limit`,
  )
  const claimHeads = db.prepare(
    `SELECT ${JOB_COLUMNS} FROM jobs AS j INDEXED BY jobs_due_head ${due} AND j.head = 1 ORDER BY j.next_at, j.id LIMIT $limit`,
  )
  const eventTexts = db.prepare('SELECT seq, event FROM events WHERE seq IN (SELECT value FROM json_each(?))')
  const markInFlight = db.prepare(
    `UPDATE jobs SET state = 'in_flight' WHERE id IN (SELECT value FROM json_each(?))`,
  )
  const remove = db.prepare(`
    DELETE FROM jobs WHERE id IN (SELECT value FROM json_each(?))
    RETURNING destination_id AS destinationId, order_key AS orderKey, state, event_seq AS eventSeq`)
  // Processed events go with the last job that references them.
  const dropEvents = db.prepare(`
    DELETE FROM events WHERE seq IN (SELECT value FROM json_each(?)) AND processed = 1
      AND NOT EXISTS (SELECT 1 FROM jobs WHERE event_seq = events.seq)
    RETURNING seq`)
  // The oldest job of each key becomes its head (the keys of one destination at a time).
  const promoteHeads = db.prepare(`
    UPDATE jobs SET head = 1 WHERE head = 0 AND id IN (
      SELECT (SELECT id FROM jobs INDEXED BY jobs_key WHERE destination_id = $destinationId AND order_key = k.value ORDER BY id LIMIT 1)
      FROM json_each($keys) AS k)`)
  const find = db.prepare('SELECT destination_id AS destinationId, state FROM jobs WHERE id = ?')
  const markRetrying = db.prepare(`
    UPDATE jobs SET state = 'retrying', attempts = attempts + 1, next_at = $nextAt, last_error = $error
    WHERE id = $id`)
  // A dead letter copies its event at abort time, so it outlives the event row.
  const bury = db.prepare(`
    INSERT INTO dead_letters (destination_id, order_key, message_id, payload, attempts, reason, created_at, aborted_at, step, source_id)
    SELECT j.destination_id, j.order_key, j.message_id, coalesce(j.payload, e.event), j.attempts + 1, $reason, j.created_at, $now, 'delivery', e.source_id
    FROM jobs AS j LEFT JOIN events AS e ON e.seq = j.event_seq WHERE j.id = $id`)
  const releaseAll = db.prepare(
    `UPDATE jobs SET state = 'waiting' WHERE state = 'in_flight' RETURNING destination_id AS destinationId`,
  )

  /** Deletes jobs; the next job of each of their keys becomes the head. */
  function removeJobs(ids: number[]): RemovedJob[] {
    const removed = remove.all(JSON.stringify(ids)) as unknown as RemovedJob[]
    const keys = new Map<string, Set<string>>()
    const events = new Set<number>()
    for (const { destinationId, orderKey, eventSeq } of removed) {
      if (orderKey !== null) {
        const ofDestination = keys.get(destinationId) ?? new Set<string>()
        keys.set(destinationId, ofDestination.add(orderKey))
      }
      if (eventSeq !== null) events.add(eventSeq)
    }
    for (const [destinationId, ofDestination] of keys)
      promoteHeads.run({ destinationId, keys: JSON.stringify([...ofDestination]) })
    if (events.size > 0)
      for (const { seq } of dropEvents.all(JSON.stringify([...events])) as Array<{ seq: number }>)
        hot.delete(seq)
    return removed
  }

  function countRemoved(removed: RemovedJob[]): void {
    for (const job of removed) stats.addJobs(job.destinationId, job.state, -1)
    stats.invalidateOldest()
  }

  function move(destinationId: string, from: JobState, to: JobState): void {
    stats.addJobs(destinationId, from, -1)
    stats.addJobs(destinationId, to, 1)
  }

  /** Due jobs marked in_flight, inside the caller's transaction; `counted` once it commits. */
  function claimRows(destinationId: string, { limit, now, ordered }: ClaimOptions): Job[] {
    const rows = (ordered ? claimHeads : claimAny).all({ destinationId, now, limit })
    if (rows.length === 0) return []
    const texts = textsOfMisses(
      rows.flatMap((row) => (row.payload === null ? [row.eventSeq] : [])),
      hot,
      (seqs) => eventTexts.all(seqs),
    )
    const claimed = rows.map((row) => toJob(row, hot, texts))
    markInFlight.run(JSON.stringify(claimed.map((job) => job.id)))
    return claimed
  }

  function counted(destinationId: string, jobs: Job[]): Job[] {
    for (const job of jobs) {
      move(destinationId, job.state, 'in_flight')
      job.state = 'in_flight'
    }
    return jobs
  }

  const missing = (method: string, jobId: number) =>
    markJobGone(new Error(`${method}: job ${jobId} does not exist (it was completed or aborted already)`))

  return {
    insert(records, now) {
      if (records.length === 0) return
      const pairs = new Map<string, [string, string]>()
      for (const { destinationId, orderKey } of records)
        if (orderKey !== null) pairs.set(`${destinationId}\u0000${orderKey}`, [destinationId, orderKey])
      const taken = new Set<string>()
      if (pairs.size > 0)
        for (const row of keysWithJobs.all(JSON.stringify([...pairs.values()])))
          taken.add(`${row.destinationId}\u0000${row.orderKey}`)
      for (let start = 0; start < records.length; start += INSERT_CHUNK) {
        const end = Math.min(records.length, start + INSERT_CHUNK)
        const params: Array<string | number | null> = []
        for (let i = start; i < end; i++) {
          const { destinationId, orderKey, messageId, eventSeq, payload } = records[i]!
          let head = 1
          if (orderKey !== null) {
            const key = `${destinationId}\u0000${orderKey}`
            if (taken.has(key)) head = 0
            else taken.add(key)
          }
          params.push(destinationId, orderKey, messageId, eventSeq, payload, head, now, now)
        }
        insertOf(end - start).run(...params)
      }
    },
    purge(jobIds) {
      if (jobIds.length === 0) return () => {}
      const removed = removeJobs(jobIds)
      return () => countRemoved(removed)
    },
    claim(destinationId, options) {
      return counted(
        destinationId,
        inTransaction(db, () => claimRows(destinationId, options)),
      )
    },
    completeAndClaim(jobIds, destinationId, options) {
      const [removed, jobs] = inTransaction(db, () => {
        const gone = jobIds.length > 0 ? removeJobs(jobIds) : []
        return [gone, claimRows(destinationId, options)] as const
      })
      if (jobIds.length > 0) countRemoved(removed)
      return counted(destinationId, jobs)
    },
    complete(jobIds) {
      if (jobIds.length > 0) countRemoved(inTransaction(db, () => removeJobs(jobIds)))
    },
    retry(jobId, { nextAt, error }) {
      const job = find.get(jobId) as { destinationId: string; state: JobState } | undefined
      if (!job) throw missing('retry', jobId)
      markRetrying.run({ id: jobId, nextAt, error })
      move(job.destinationId, job.state, 'retrying')
    },
    abort(jobId, { reason, now }) {
      const removed = inTransaction(db, () => {
        if (bury.run({ id: jobId, reason, now }).changes === 0) throw missing('abort', jobId)
        return removeJobs([jobId])
      })
      countRemoved(removed)
      for (const job of removed) stats.addDeadLetters(job.destinationId, 1)
    },
    releaseInFlight() {
      const released = releaseAll.all() as Array<{ destinationId: string }>
      for (const { destinationId } of released) move(destinationId, 'in_flight', 'waiting')
      return released.length
    },
  }
}
