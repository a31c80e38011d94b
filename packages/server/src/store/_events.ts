import type { DatabaseSync } from 'node:sqlite'
import { createGroupCommit } from './_group-commit.ts'
import type { JobQueue } from './_jobs.ts'
import { EVENT_COLUMNS, toJson, toStoredEvent } from './_rows.ts'
import type { StatsCounters } from './_stats.ts'
import { inTransaction } from './_transaction.ts'
import type { IncomingEvent, Store } from './store.ts'

/** What one group commit wrote: for metrics and tests. */
export interface GroupCommitInfo {
  /** `append` calls in the transaction, failed ones included. */
  calls: number
  /** Events committed. */
  events: number
}

export interface EventLog extends Pick<Store, 'append' | 'readPending' | 'commitProcessed'> {
  /** Resolves once the pending group commit, if any, is written. */
  drain(): Promise<void>
}

/** The events table: group-committed appends, and processing events into jobs. */
export function createEventLog(
  db: DatabaseSync,
  stats: StatsCounters,
  jobs: JobQueue,
  { now, onGroupCommit }: { now: () => number; onGroupCommit?: (info: GroupCommitInfo) => void },
): EventLog {
  const insert = db.prepare(`
    INSERT INTO events (source_id, message_id, event, stored_at)
    VALUES ($sourceId, $messageId, $event, $storedAt)`)
  // A savepoint per call keeps each call all-or-nothing inside the shared transaction.
  const savepoint = db.prepare('SAVEPOINT call')
  const releaseSavepoint = db.prepare('RELEASE call')
  const rollbackSavepoint = db.prepare('ROLLBACK TO call')
  const pending = db.prepare(`SELECT ${EVENT_COLUMNS} FROM events ORDER BY seq LIMIT ?`)
  const remove = db.prepare('DELETE FROM events WHERE seq IN (SELECT value FROM json_each(?))')

  function writeCall(events: IncomingEvent[], storedAt: number): Error | undefined {
    savepoint.run()
    for (const [i, { sourceId, messageId, event }] of events.entries()) {
      try {
        insert.run({ sourceId, messageId, event: toJson(event, 'the event'), storedAt })
      } catch (cause) {
        rollbackSavepoint.run()
        releaseSavepoint.run()
        return new Error(
          `append: event ${i} of ${events.length} (messageId ${JSON.stringify(messageId)}) cannot be stored, so none of the ${events.length} were: ${(cause as Error).message}`,
          { cause },
        )
      }
    }
    releaseSavepoint.run()
    return undefined
  }

  const group = createGroupCommit<IncomingEvent[]>((calls) => {
    const storedAt = now()
    const outcomes = inTransaction(db, () => calls.map((events) => writeCall(events, storedAt)))
    const committed = calls.reduce((sum, events, i) => sum + (outcomes[i] ? 0 : events.length), 0)
    stats.addEvents(committed)
    stats.invalidateOldest()
    // After the callers' outcomes are settled, so a throwing hook cannot fail committed appends.
    if (onGroupCommit) queueMicrotask(() => onGroupCommit({ calls: calls.length, events: committed }))
    return outcomes
  })

  return {
    append: (events) => (events.length === 0 ? Promise.resolve() : group.submit(events)),
    readPending: (limit) => pending.all(limit).map(toStoredEvent),
    commitProcessed(seqs, newJobs, at) {
      const unique = new Set(seqs).size
      const jobRecords = newJobs.map(({ destinationId, orderKey, messageId, payload }) => ({
        destinationId,
        orderKey,
        messageId,
        payload: toJson(payload, `the payload of job ${JSON.stringify(messageId)} for ${destinationId}`),
      }))
      inTransaction(db, () => {
        const removed = Number(remove.run(JSON.stringify(seqs)).changes)
        if (removed !== unique)
          throw new Error(
            `commitProcessed: ${unique - removed} of the ${unique} events are not pending (processed already?); nothing was committed`,
          )
        for (const job of jobRecords) jobs.insert(job, at)
      })
      stats.addEvents(-unique)
      for (const { destinationId } of newJobs) stats.addJobs(destinationId, 'waiting', 1)
      stats.invalidateOldest()
    },
    drain: group.drain,
  }
}
