import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterEach } from 'vitest'
import {
  type IncomingEvent,
  type JobState,
  type NewJob,
  openSqliteStore,
  type SqliteStoreOptions,
  type Store,
  type StoreStats,
} from '../../src/store/index.ts'

/**
 * Temp data directories and stores for one test file: everything opened is closed and
 * removed after each test. Call once at the top of the file.
 */
export function useStores() {
  const dirs: string[] = []
  const stores: Store[] = []
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()))
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
  })
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-store-'))
    dirs.push(dir)
    return dir
  }
  return {
    tempDir,
    /** Opens a store on `dir` (a fresh temp dir by default) with a clock stuck at 1000. */
    open(options: Partial<SqliteStoreOptions> = {}): Store {
      const store = openSqliteStore({ now: () => 1000, ...options, dir: options.dir ?? tempDir() })
      stores.push(store)
      return store
    },
  }
}

export const event = (messageId: string, sourceId = 'web'): IncomingEvent => ({
  sourceId,
  messageId,
  event: { type: 'track', messageId },
})

export const job = (destinationId: string, orderKey: string | null, messageId: string): NewJob => ({
  destinationId,
  orderKey,
  messageId,
  payload: { messageId },
})

/** Counts what the database file holds, from a connection of its own: what `stats()` must agree with. */
export function recount(dir: string): StoreStats {
  const db = new DatabaseSync(path.join(dir, 'patchbay.db'), { readOnly: true })
  try {
    const jobs: Record<string, Record<JobState, number>> = {}
    for (const row of db
      .prepare('SELECT destination_id AS d, state, count(*) AS n FROM jobs GROUP BY 1, 2')
      .all()) {
      jobs[row.d as string] ??= { waiting: 0, in_flight: 0, retrying: 0 }
      jobs[row.d as string]![row.state as JobState] = row.n as number
    }
    const deadLetters: Record<string, number> = {}
    for (const row of db
      .prepare('SELECT destination_id AS d, count(*) AS n FROM dead_letters GROUP BY 1')
      .all())
      deadLetters[row.d as string] = row.n as number
    const oldest = db
      .prepare(
        'SELECT min(at) AS at FROM (SELECT min(stored_at) AS at FROM events WHERE processed = 0 UNION ALL SELECT min(created_at) FROM jobs)',
      )
      .get()
    return {
      pendingEvents: (
        db.prepare('SELECT count(*) AS n FROM events WHERE processed = 0').get() as { n: number }
      ).n,
      jobs,
      deadLetters,
      oldestPendingAt: (oldest?.at as number | null) ?? null,
    }
  } finally {
    db.close()
  }
}

/** Runs `fn` and returns what it threw; fails the test when it does not throw. */
export function thrown(fn: () => unknown): Error {
  try {
    fn()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected the call to throw, but it returned')
}

/** Awaits `promise` and returns its rejection; fails the test when it resolves. */
export async function rejected(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected the promise to reject, but it resolved')
}
