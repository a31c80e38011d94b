import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, afterEach, beforeAll, describe } from 'vitest'
import {
  type IncomingEvent,
  type JobState,
  type NewJob,
  openPostgresStore,
  openSqliteStore,
  type Store,
  type StoreStats,
} from '../../src/store/index.ts'
import { createTestDatabase, queryDatabase } from './_postgres.ts'

/** What a contract test may pass when it opens a store. */
export interface OpenOptions {
  /** Where: from `place()`. Default: a fresh place. */
  at?: string
  now?: () => number
  onGroupCommit?: (info: { calls: number; events: number }) => void
}

/** One store implementation, as the contract suite drives it. */
export interface StoreHarness {
  name: 'sqlite' | 'postgres'
  /** A place for a store: a data directory, or the test's database. */
  place(): string
  /** Opens a store (closed after the test) with a clock stuck at 1000 unless `now` is given. */
  open(options?: OpenOptions): Promise<Store>
  /** How the store names its place in messages. */
  where(place: string): string
  /** Counts what the place holds, from a connection of its own: what `stats()` must agree with. */
  recount(place: string): Promise<StoreStats>
  /** Events stored at the place, counted from a connection of its own. */
  countEvents(place: string): Promise<number>
}

function sqliteHarness(): StoreHarness {
  const dirs: string[] = []
  const stores: Store[] = []
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()))
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
  })
  const place = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-store-'))
    dirs.push(dir)
    return dir
  }
  const readOnly = <T>(dir: string, fn: (db: DatabaseSync) => T): T => {
    const db = new DatabaseSync(path.join(dir, 'patchbay.db'), { readOnly: true })
    try {
      return fn(db)
    } finally {
      db.close()
    }
  }
  return {
    name: 'sqlite',
    place,
    async open({ at, ...options } = {}) {
      const store = openSqliteStore({ now: () => 1000, ...options, dir: at ?? place() })
      stores.push(store)
      return store
    },
    where: (dir) => dir,
    countEvents: async (dir) =>
      readOnly(dir, (db) => (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n),
    recount: async (dir) =>
      readOnly(dir, (db) =>
        tally(
          db
            .prepare(`SELECT 'e' AS k, NULL AS d, NULL AS s, count(*) AS n, min(stored_at) AS at FROM events WHERE processed = 0
            UNION ALL SELECT 'j', destination_id, state, count(*), min(created_at) FROM jobs GROUP BY 2, 3
            UNION ALL SELECT 'd', destination_id, NULL, count(*), NULL FROM dead_letters GROUP BY 2`)
            .all() as unknown as Tally[],
        ),
      ),
  }
}

function postgresHarness(label: string): StoreHarness {
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined
  const stores: Store[] = []
  beforeAll(async () => {
    database = await createTestDatabase(label)
  })
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()))
    // The next test starts from an empty schema (ids and seqs from 1 again).
    await queryDatabase(database!.url, 'DROP SCHEMA IF EXISTS patchbay CASCADE')
  })
  afterAll(async () => {
    await database?.drop()
  })
  return {
    name: 'postgres',
    place: () => database!.url,
    async open({ at, ...options } = {}) {
      const store = await openPostgresStore({
        url: at ?? database!.url,
        now: () => 1000,
        statsMaxAgeMs: 0,
        poolSize: 4,
        ...options,
      })
      stores.push(store)
      return store
    },
    where: (url) => url,
    countEvents: async (url) =>
      Number((await queryDatabase(url, 'SELECT count(*) AS n FROM patchbay.events')).rows[0].n),
    recount: async (url) =>
      tally(
        (
          await queryDatabase(
            url,
            `SELECT 'e' AS k, NULL AS d, NULL AS s, count(*) AS n, min(stored_at) AS at FROM patchbay.events WHERE NOT processed
             UNION ALL SELECT 'j', destination_id, state, count(*), min(created_at) FROM patchbay.jobs GROUP BY 2, 3
             UNION ALL SELECT 'd', destination_id, NULL, count(*), NULL FROM patchbay.dead_letters GROUP BY 2`,
          )
        ).rows as Tally[],
      ),
  }
}

interface Tally {
  k: string
  d: string | null
  s: string | null
  n: number | string
  at: number | string | null
}

function tally(rows: Tally[]): StoreStats {
  const stats: StoreStats = { pendingEvents: 0, jobs: {}, deadLetters: {}, oldestPendingAt: null }
  for (const { k, d, s, n, at } of rows) {
    if (at !== null)
      stats.oldestPendingAt =
        stats.oldestPendingAt === null ? Number(at) : Math.min(stats.oldestPendingAt, Number(at))
    if (k === 'e') stats.pendingEvents = Number(n)
    else if (k === 'j') {
      stats.jobs[d!] ??= { waiting: 0, in_flight: 0, retrying: 0 }
      stats.jobs[d!]![s as JobState] = Number(n)
    } else stats.deadLetters[d!] = Number(n)
  }
  return stats
}

/**
 * The store contract: `fn` declares its tests once, and they run against the SQLite store
 * and the PostgreSQL store (a database of the file's own on the machine's server, `label`
 * naming it). Like h3's describeMatrix.
 */
export function describeStores(label: string, fn: (store: StoreHarness) => void): void {
  describe('sqlite', () => fn(sqliteHarness()))
  describe('postgres', () => fn(postgresHarness(label)))
}

/** Temp data directories and SQLite stores, for the tests of the SQLite store alone. */
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
    open(options: Partial<Parameters<typeof openSqliteStore>[0]> = {}): Store {
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
