import type { DatabaseSync } from 'node:sqlite'
import { createGroupCommit } from './_group-commit.ts'
import type { HotEvents } from './_hot-events.ts'
import type { JobQueue } from './_jobs.ts'
import { EVENT_COLUMNS_NO_TEXT, textsOfMisses, toJson, toStoredEvent } from './_rows.ts'
import type { StatsCounters } from './_stats.ts'
import type { Synchronous } from './_synchronous.ts'
import { inTransaction } from './_transaction.ts'
import type { WalSync } from './_wal-sync.ts'
import type { BuriedEvent, Store } from './store.ts'

/** What one group commit wrote: for metrics and tests. */
export interface GroupCommitInfo {
  /** `append` calls in the transaction, failed ones included. */
  calls: number
  /** Events committed. */
  events: number
}

export interface EventLog
  extends Pick<Store, 'append'>,
    Synchronous<Pick<Store, 'readPending' | 'commitProcessed' | 'markTransformAttempt' | 'buryEvents'>> {
  /** Resolves once the pending group commit, if any, is written. */
  drain(): Promise<void>
}

/** An event ready for its row: `event` is its JSON text, `parsed` the object the caller handed over with it. */
interface EventRow {
  sourceId: string
  messageId: string
  event: string
  parsed: unknown | undefined
  /** Set once the row is inserted. */
  seq?: number
}

const callError = (events: Array<{ messageId: string }>, i: number, cause: unknown) =>
  new Error(
    `append: event ${i} of ${events.length} (messageId ${JSON.stringify(events[i]?.messageId)}) cannot be stored, so none of the ${events.length} were: ${(cause as Error).message}`,
    { cause },
  )

/** A dead letter made while processing, as its row. */
function letterRow(l: BuriedEvent, now: number) {
  return {
    destinationId: l.destinationId,
    orderKey: l.orderKey,
    messageId: l.messageId,
    payload: toJson(l.payload, `the event ${JSON.stringify(l.messageId)}`),
    attempts: l.attempts,
    reason: l.reason,
    now,
    step: l.step,
    sourceId: l.sourceId ?? null,
  }
}

/** Rows per multi-row INSERT (4 parameters each; SQLite allows 32,766). */
const INSERT_CHUNK = 64

/** The events table: group-committed appends, and processing events into jobs. */
export function createEventLog(
  db: DatabaseSync,
  stats: StatsCounters,
  jobs: JobQueue,
  {
    now,
    hot,
    onGroupCommit,
    wal,
  }: {
    now: () => number
    hot: HotEvents
    onGroupCommit?: (info: GroupCommitInfo) => void
    /** Makes the group commits durable (fsync) off the event loop, before appends resolve. */
    wal: WalSync
  },
): EventLog {
  const insert = db.prepare(`
    INSERT INTO events (source_id, message_id, event, stored_at)
    VALUES (?, ?, ?, ?)`)
  // A savepoint per call keeps each call all-or-nothing inside the shared transaction.
  const savepoint = db.prepare('SAVEPOINT call')
  const releaseSavepoint = db.prepare('RELEASE call')
  const rollbackSavepoint = db.prepare('ROLLBACK TO call')
  // Without the text: the hot cache holds the events just written (see _hot-events.ts).
  const pending = db.prepare(
    `SELECT ${EVENT_COLUMNS_NO_TEXT} FROM events INDEXED BY events_pending WHERE processed = 0 ORDER BY seq LIMIT ?`,
  )
  const eventTexts = db.prepare('SELECT seq, event FROM events WHERE seq IN (SELECT value FROM json_each(?))')
  const remove = db.prepare(
    'DELETE FROM events WHERE processed = 0 AND seq IN (SELECT value FROM json_each(?))',
  )
  const markProcessed = db.prepare(
    'UPDATE events SET processed = 1 WHERE processed = 0 AND seq IN (SELECT value FROM json_each(?))',
  )
  // Processed events no job references (none was routed, or every job changed the event).
  const dropUnreferenced = db.prepare(`
    DELETE FROM events WHERE seq IN (SELECT value FROM json_each(?))
      AND NOT EXISTS (SELECT 1 FROM jobs WHERE event_seq = events.seq)
    RETURNING seq`)
  const countAttempt = db.prepare(
    'UPDATE events SET transform_attempts = transform_attempts + 1 WHERE seq IN (SELECT value FROM json_each(?))',
  )
  const insertDeadLetter = db.prepare(`
    INSERT INTO dead_letters (destination_id, order_key, message_id, payload, attempts, reason, created_at, aborted_at, step, source_id)
    VALUES ($destinationId, $orderKey, $messageId, $payload, $attempts, $reason, $now, $now, $step, $sourceId)`)

  // Up to INSERT_CHUNK rows per statement: one multi-row INSERT costs about half as much per
  // row as a statement per row. A statement per distinct row count, prepared once.
  const inserts = new Map<number, ReturnType<DatabaseSync['prepare']>>()
  const insertOf = (n: number) => {
    let statement = inserts.get(n)
    if (!statement) {
      statement = db.prepare(
        `INSERT INTO events (source_id, message_id, event, stored_at) VALUES ${Array.from({ length: n }, () => '(?, ?, ?, ?)').join(', ')}`,
      )
      inserts.set(n, statement)
    }
    return statement
  }

  function insertRows(rows: EventRow[], storedAt: number): void {
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      const end = Math.min(rows.length, start + INSERT_CHUNK)
      const params: Array<string | number> = []
      for (let i = start; i < end; i++) {
        const row = rows[i]!
        params.push(row.sourceId, row.messageId, row.event, storedAt)
      }
      // One statement's rows take consecutive seqs (max + 1 each, this connection the only writer).
      const last = Number(insertOf(end - start).run(...params).lastInsertRowid)
      for (let i = start; i < end; i++) rows[i]!.seq = last - (end - 1 - i)
    }
  }

  function writeCall(rows: EventRow[], storedAt: number): Error | undefined {
    savepoint.run()
    try {
      insertRows(rows, storedAt)
    } catch {
      // Row by row, to say which event was refused (a full disk can also pass the second time).
      rollbackSavepoint.run()
      for (const [i, row] of rows.entries()) {
        try {
          row.seq = Number(insert.run(row.sourceId, row.messageId, row.event, storedAt).lastInsertRowid)
        } catch (cause) {
          rollbackSavepoint.run()
          releaseSavepoint.run()
          return callError(rows, i, cause)
        }
      }
    }
    releaseSavepoint.run()
    return undefined
  }

  const group = createGroupCommit<EventRow[]>((calls) => {
    const storedAt = now()
    // Committed with synchronous=NORMAL; each append resolves only after wal.sync() (an fsync).
    const outcomes = inTransaction(db, () => calls.map((rows) => writeCall(rows, storedAt)))
    wal.committed()
    let committed = 0
    for (const [i, rows] of calls.entries()) {
      if (outcomes[i]) continue
      committed += rows.length
      for (const row of rows) if (row.parsed !== undefined) hot.put(row.seq!, row.parsed, row.event.length)
    }
    stats.addEvents(committed)
    stats.invalidateOldest()
    // After the callers' outcomes are settled, so a throwing hook cannot fail committed appends.
    if (onGroupCommit) queueMicrotask(() => onGroupCommit({ calls: calls.length, events: committed }))
    return outcomes
  })

  return {
    append(events) {
      if (events.length === 0) return Promise.resolve()
      // Serialised now, so the call commits the events as they were when it was made.
      const rows: EventRow[] = []
      for (const [i, { sourceId, messageId, event, json }] of events.entries()) {
        try {
          // With its JSON, the caller hands the event over (it will not change it): see IncomingEvent.
          rows.push(
            json === undefined
              ? { sourceId, messageId, event: toJson(event, 'the event'), parsed: undefined }
              : { sourceId, messageId, event: json, parsed: event },
          )
        } catch (cause) {
          return Promise.reject(callError(events, i, cause))
        }
      }
      // Durable before it resolves: the fsync runs off the event loop (see _wal-sync.ts).
      return group.submit(rows).then(wal.sync)
    },
    readPending(limit) {
      const rows = pending.all(limit)
      const texts = textsOfMisses(
        rows.map((row) => row.seq),
        hot,
        (seqs) => eventTexts.all(seqs),
      )
      return rows.map((row) => toStoredEvent(row, hot, texts))
    },
    commitProcessed(seqs, newJobs, at, letters = []) {
      const unique = new Set(seqs).size
      const jobRecords = newJobs.map((job) => ({
        destinationId: job.destinationId,
        orderKey: job.orderKey,
        messageId: job.messageId,
        // An unchanged event is referenced, not copied: +0 payloads per destination.
        ...(job.eventSeq !== undefined
          ? { eventSeq: job.eventSeq, payload: null }
          : {
              eventSeq: null,
              payload: toJson(
                job.payload,
                `the payload of job ${JSON.stringify(job.messageId)} for ${job.destinationId}`,
              ),
            }),
      }))
      const letterRows = letters.map((l) => letterRow(l, at))
      const seqList = JSON.stringify(seqs)
      // An event a new job references stays: only the others can be unreferenced.
      const referenced = new Set<number>()
      for (const job of newJobs) if (job.eventSeq !== undefined) referenced.add(job.eventSeq)
      const unreferenced =
        referenced.size === 0 ? seqList : JSON.stringify(seqs.filter((s) => !referenced.has(s)))
      inTransaction(db, () => {
        const marked = Number(markProcessed.run(seqList).changes)
        if (marked !== unique)
          throw new Error(
            `commitProcessed: ${unique - marked} of the ${unique} events are not pending (processed already?); nothing was committed`,
          )
        jobs.insert(jobRecords, at)
        for (const row of letterRows) insertDeadLetter.run(row)
        if (unreferenced !== '[]')
          for (const { seq } of dropUnreferenced.all(unreferenced) as Array<{ seq: number }>) hot.delete(seq)
      })
      stats.addEvents(-unique)
      for (const { destinationId } of newJobs) stats.addJobs(destinationId, 'waiting', 1)
      for (const { destinationId } of letters) stats.addDeadLetters(destinationId, 1)
      stats.invalidateOldest()
    },
    markTransformAttempt(seqs) {
      if (seqs.length === 0) return
      inTransaction(db, () => countAttempt.run(JSON.stringify(seqs)), { durable: true })
    },
    buryEvents(seqs, letters, at) {
      const unique = new Set(seqs).size
      const rows = letters.map((l) => letterRow(l, at))
      inTransaction(
        db,
        () => {
          const removed = Number(remove.run(JSON.stringify(seqs)).changes)
          if (removed !== unique)
            throw new Error(
              `buryEvents: ${unique - removed} of the ${unique} events are not pending; nothing was changed`,
            )
          for (const row of rows) insertDeadLetter.run(row)
        },
        { durable: true },
      )
      for (const seq of seqs) hot.delete(seq)
      stats.addEvents(-unique)
      for (const { destinationId } of letters) stats.addDeadLetters(destinationId, 1)
      stats.invalidateOldest()
    },
    async drain() {
      await group.drain()
      await wal.close()
    },
  }
}
