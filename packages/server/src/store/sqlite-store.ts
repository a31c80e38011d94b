import { createDeadLetters } from './_dead-letters.ts'
import { createEventLog, type GroupCommitInfo } from './_events.ts'
import { createJobQueue } from './_jobs.ts'
import { openDatabase } from './_open-database.ts'
import { createStatsCounters } from './_stats.ts'
import type { Store } from './store.ts'

export type { GroupCommitInfo }

export interface SqliteStoreOptions {
  /** The data directory, created if missing. The database is `patchbay.db` in it. */
  dir: string
  /** The clock that stamps appended events. Default `Date.now`. */
  now?: () => number
  /** Called after each group commit of appends, e.g. to record batch sizes. */
  onGroupCommit?: (info: GroupCommitInfo) => void
}

/**
 * Opens the SQLite store of a data directory, on Node's built-in `node:sqlite`: WAL mode,
 * synchronous=FULL, one transaction (one fsync) per group of concurrent appends. Only one
 * process may have a data directory open: a second open throws, naming the process that
 * holds it; a lock left by a crashed process is taken over.
 *
 * @example
 * const store = openSqliteStore({ dir: process.env.PATCHBAY_DATA ?? './data' })
 * const released = store.releaseInFlight() // jobs a crash left in flight are delivered again
 */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  const { db, release } = openDatabase(options.dir)
  let store: Store
  try {
    const stats = createStatsCounters(db)
    const jobs = createJobQueue(db, stats)
    const events = createEventLog(db, stats, jobs, {
      now: options.now ?? Date.now,
      onGroupCommit: options.onGroupCommit,
    })
    let closed: Promise<void> | undefined
    store = {
      append: (batch) =>
        closed ? Promise.reject(new Error(`The store in ${options.dir} is closed`)) : events.append(batch),
      readPending: events.readPending,
      commitProcessed: events.commitProcessed,
      claim: jobs.claim,
      complete: jobs.complete,
      retry: jobs.retry,
      abort: jobs.abort,
      releaseInFlight: jobs.releaseInFlight,
      deadLetters: createDeadLetters(db, stats, jobs),
      stats: stats.snapshot,
      close() {
        closed ??= events.drain().then(() => {
          db.close()
          release()
        })
        return closed
      },
    }
  } catch (error) {
    db.close()
    release()
    throw error
  }
  return store
}
