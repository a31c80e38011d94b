import type { DatabaseSync } from 'node:sqlite'
import type { JobState, StoreStats } from './store.ts'

/** In-memory counts of what the database holds: counted once at open, then kept in step by every write. */
export interface StatsCounters {
  addEvents(delta: number): void
  addJobs(destinationId: string, state: JobState, delta: number): void
  addDeadLetters(destinationId: string, delta: number): void
  deadLetters(destinationId?: string): number
  /** Something pending was removed or added: the oldest pending time is read again when next asked. */
  invalidateOldest(): void
  snapshot(): StoreStats
}

export function createStatsCounters(db: DatabaseSync): StatsCounters {
  let pendingEvents = (
    db.prepare('SELECT count(*) AS n FROM events WHERE processed = 0').get() as { n: number }
  ).n
  const jobs = new Map<string, Record<JobState, number>>()
  const deadLetters = new Map<string, number>()
  let deadTotal = 0
  // Both are the first row of their primary key: two index seeks, done only after a change.
  const oldestEvent = db.prepare(
    'SELECT stored_at AS at FROM events INDEXED BY events_pending WHERE processed = 0 ORDER BY seq LIMIT 1',
  )
  const oldestJob = db.prepare('SELECT created_at AS at FROM jobs ORDER BY id LIMIT 1')
  let oldest: number | null | undefined

  const counters: StatsCounters = {
    addEvents(delta) {
      pendingEvents += delta
    },
    addJobs(destinationId, state, delta) {
      const counts = jobs.get(destinationId) ?? { waiting: 0, in_flight: 0, retrying: 0 }
      counts[state] += delta
      if (counts.waiting === 0 && counts.in_flight === 0 && counts.retrying === 0) jobs.delete(destinationId)
      else jobs.set(destinationId, counts)
    },
    addDeadLetters(destinationId, delta) {
      const count = (deadLetters.get(destinationId) ?? 0) + delta
      deadTotal += delta
      if (count === 0) deadLetters.delete(destinationId)
      else deadLetters.set(destinationId, count)
    },
    deadLetters: (destinationId) =>
      destinationId === undefined ? deadTotal : (deadLetters.get(destinationId) ?? 0),
    invalidateOldest() {
      oldest = undefined
    },
    snapshot() {
      if (oldest === undefined) {
        const times = [oldestEvent.get(), oldestJob.get()].flatMap((row) => (row ? [row.at as number] : []))
        oldest = times.length === 0 ? null : Math.min(...times)
      }
      return {
        pendingEvents,
        jobs: Object.fromEntries([...jobs].map(([id, counts]) => [id, { ...counts }])),
        deadLetters: Object.fromEntries(deadLetters),
        oldestPendingAt: oldest,
      }
    },
  }

  const jobRows = db
    .prepare('SELECT destination_id AS id, state, count(*) AS n FROM jobs GROUP BY 1, 2')
    .all()
  for (const row of jobRows) counters.addJobs(row.id as string, row.state as JobState, row.n as number)
  const deadRows = db.prepare('SELECT destination_id AS id, count(*) AS n FROM dead_letters GROUP BY 1').all()
  for (const row of deadRows) counters.addDeadLetters(row.id as string, row.n as number)
  return counters
}
