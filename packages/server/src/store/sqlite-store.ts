import path from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import { createDeadLetters } from './_dead-letters.ts'
import { createEventLog, type GroupCommitInfo } from './_events.ts'
import { createHotEvents } from './_hot-events.ts'
import { createJobQueue } from './_jobs.ts'
import { createLookup } from './_lookup.ts'
import { openDatabase } from './_open-database.ts'
import { createRegulations } from './_regulations.ts'
import { createStatsCounters } from './_stats.ts'
import { createWalSync } from './_wal-sync.ts'
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
 * one transaction per group of concurrent appends, made durable by one fsync of the WAL
 * (off the event loop) before those appends resolve. Only one
 * process may have a data directory open: a second open throws, naming the process that
 * holds it; a lock left by a crashed process is taken over.
 *
 * @example
 * const store = openSqliteStore({ dir: process.env.PATCHBAY_DATA ?? './data' })
 * const released = await store.releaseInFlight() // jobs a crash left in flight are delivered again
 */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  const { db, release } = openDatabase(options.dir)
  let parts: ReturnType<typeof createParts>
  try {
    parts = createParts(db, options)
  } catch (error) {
    db.close()
    release()
    throw error
  }
  const { stats, jobs, events, deadLetters, regulations } = parts
  const lookup = createLookup(db)
  let closed: Promise<void> | undefined
  const closedError = () => new Error(`The store in ${options.dir} is closed`)
  /**
   * `fn` as the async interface has it: run now, synchronously, its result or error in a
   * settled promise (no extra turn of the event loop); refused once the store is closed.
   */
  const whileOpen =
    <A extends unknown[], R>(fn: (...args: A) => R) =>
    (...args: A): Promise<R> => {
      if (closed) return Promise.reject(closedError())
      try {
        return Promise.resolve(fn(...args))
      } catch (error) {
        return Promise.reject(error)
      }
    }

  return {
    append: (batch) => (closed ? Promise.reject(closedError()) : events.append(batch)),
    readPending: whileOpen(events.readPending),
    commitProcessed: whileOpen(events.commitProcessed),
    markTransformAttempt: whileOpen(events.markTransformAttempt),
    buryEvents: whileOpen(events.buryEvents),
    claim: whileOpen(jobs.claim),
    complete: whileOpen(jobs.complete),
    completeAndClaim: whileOpen(jobs.completeAndClaim),
    retry: whileOpen(jobs.retry),
    abort: whileOpen(jobs.abort),
    releaseInFlight: whileOpen(jobs.releaseInFlight),
    deadLetters: {
      list: whileOpen(deadLetters.list),
      get: whileOpen(deadLetters.get),
      count: whileOpen(deadLetters.count),
      replay: whileOpen(deadLetters.replay),
      purge: whileOpen(deadLetters.purge),
    },
    find: (query) => (closed ? Promise.reject(closedError()) : lookup(query)),
    regulations: {
      create: whileOpen(regulations.create),
      list: whileOpen(regulations.list),
      get: whileOpen(regulations.get),
      remove: whileOpen(regulations.remove),
      version: whileOpen(regulations.version),
      suppressed: whileOpen(regulations.suppressed),
      claimDeletions: whileOpen(regulations.claimDeletions),
      settleDeletion: whileOpen(regulations.settleDeletion),
      releaseDeletions: whileOpen(regulations.releaseDeletions),
    },
    stats: whileOpen(stats.snapshot),
    close() {
      closed ??= events.drain().then(() => {
        db.close()
        release()
      })
      return closed
    },
  }
}

function createParts(db: DatabaseSync, options: SqliteStoreOptions) {
  const stats = createStatsCounters(db)
  const hot = createHotEvents()
  const jobs = createJobQueue(db, stats, hot)
  const events = createEventLog(db, stats, jobs, {
    now: options.now ?? Date.now,
    hot,
    onGroupCommit: options.onGroupCommit,
    wal: createWalSync(path.join(options.dir, 'patchbay.db-wal')),
  })
  return {
    stats,
    jobs,
    events,
    deadLetters: createDeadLetters(db, stats, jobs),
    regulations: createRegulations(db, stats, jobs),
  }
}
