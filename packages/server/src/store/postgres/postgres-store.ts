import { hostname } from 'node:os'
import type { DeadLetter, DeletionSettlement, Job, Regulation, Store } from '../store.ts'
import { CLOCK_CHECK_MS, createNodeClock } from './_clock.ts'
import { createDeadLetters } from './_dead-letters.ts'
import { ANSWER_WITHIN_MS, withDeadline } from './_deadline.ts'
import { createEventLog, type PgGroupCommitInfo } from './_events.ts'
import { createJobQueue } from './_jobs.ts'
import { createLookup } from './_lookup.ts'
import { createParsedEvents } from './_parsed-events.ts'
import { classify, createPool } from './_pool.ts'
import { createRegulations } from './_regulations.ts'
import { migrate } from './_schema.ts'
import { createStatsCache, readStats } from './_stats.ts'
import { redactUrl, urlRedactor } from './_url.ts'

export type { PgGroupCommitInfo }

export interface PostgresStoreOptions {
  /** `postgres://user[:password]@host[:port]/database`. Its password is never printed. */
  url: string
  /** Connections per node (plus one for the processor's turn): half for appends, half for the rest. Default 10. */
  poolSize?: number
  /** How long a node keeps a claimed job without a heartbeat (sent every third of it). Default 30 s. */
  leaseMs?: number
  /** How old `stats()` may be: one query per node at most this often (a request never waits for it once warm; see _stats.ts). Default 1 s; 0 reads every time. */
  statsMaxAgeMs?: number
  /** This node's name in the jobs it holds. Default: host name, pid and a random suffix. */
  node?: string
  /** The clock that stamps appended events. Default `Date.now`. */
  now?: () => number
  /** Called after each group commit of appends. */
  onGroupCommit?: (info: PgGroupCommitInfo) => void
}

/**
 * Opens the PostgreSQL store: the queue of every gateway node given the same database.
 * Appends are group-committed (one multi-row INSERT per event-loop turn, synchronous_commit
 * on); claims take due jobs with FOR UPDATE SKIP LOCKED and lease them to this node, which
 * extends its leases with a heartbeat; a node that dies loses its leases and any node takes
 * its jobs over. Migrations run under an advisory lock.
 *
 * @example
 * const store = await openPostgresStore({ url: process.env.PATCHBAY_STORE_URL! })
 * await store.append([{ sourceId: 'web', messageId: 'm1', event }]) // committed: answer 200
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const where = redactUrl(options.url)
  const leaseMs = options.leaseMs ?? 30_000
  const node = options.node ?? `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`
  const poolSize = options.poolSize ?? 10
  const appendSize = Math.max(1, Math.ceil(poolSize / 2))
  const pool = createPool({ url: options.url, poolSize: Math.max(1, poolSize - appendSize) })
  // Appends have connections of their own that commit durably by default: one round trip per group.
  const appendPool = createPool({
    url: options.url,
    poolSize: appendSize,
    durable: true,
    queryTimeoutMs: 10_000,
  })
  try {
    const client = await pool.connect()
    try {
      await migrate(client, where)
    } finally {
      client.release()
    }
  } catch (error) {
    await pool.end().catch(() => {})
    await appendPool.end().catch(() => {})
    // The driver's message, never the URL's password, whatever form it takes there.
    const reason = urlRedactor(options.url).string((classify(error) as Error).message)
    throw new Error(`cannot open the PostgreSQL store at ${where}: ${reason}`)
  }
  // The queue's times are the database's clock's, whatever this node's says (see _clock.ts).
  const clock = createNodeClock(pool)
  await clock.check().catch(() => {})
  const check = setInterval(() => void clock.check().catch(() => {}), CLOCK_CHECK_MS)
  check.unref()
  // Ingest waits for these two: bounded, so a stalled database is a 503, not a hung request.
  const stats = createStatsCache(
    () =>
      withDeadline(readStats(pool), ANSWER_WITHIN_MS, 'the queue counts').then((counts) =>
        counts.oldestPendingAt === null || clock.offsetMs === 0
          ? counts
          : { ...counts, oldestPendingAt: clock.fromDb(counts.oldestPendingAt) },
      ),
    options.statsMaxAgeMs ?? 1_000,
  )
  // Objects ingest handed over with their JSON, reused by this node's reads of that JSON.
  const parsed = createParsedEvents()
  const events = createEventLog(pool, appendPool, options.url, {
    now: () => clock.toDb((options.now ?? Date.now)()),
    leaseMs,
    parsed,
    ...(options.onGroupCommit ? { onGroupCommit: options.onGroupCommit } : {}),
  })
  const jobs = createJobQueue(pool, node, leaseMs, parsed)
  const deadLetters = createDeadLetters(pool, async (destinationId) => {
    const { deadLetters: counts } = await stats.get()
    return destinationId === undefined
      ? Object.values(counts).reduce((a, b) => a + b, 0)
      : (counts[destinationId] ?? 0)
  })
  const regulations = createRegulations(pool)
  const lookup = createLookup(pool)
  const jobFromDb = (job: Job): Job =>
    clock.offsetMs === 0
      ? job
      : { ...job, createdAt: clock.fromDb(job.createdAt), nextAt: clock.fromDb(job.nextAt) }
  const regulationFromDb = (r: Regulation): Regulation =>
    clock.offsetMs === 0
      ? r
      : {
          ...r,
          createdAt: clock.fromDb(r.createdAt),
          removedAt: r.removedAt === null ? null : clock.fromDb(r.removedAt),
          deletions: r.deletions.map((d) => ({
            ...d,
            createdAt: clock.fromDb(d.createdAt),
            updatedAt: clock.fromDb(d.updatedAt),
          })),
        }
  const settlementToDb = (s: DeletionSettlement): DeletionSettlement =>
    s.status === 'retry' ? { ...s, nextAt: clock.toDb(s.nextAt) } : s
  const letterFromDb = (letter: DeadLetter): DeadLetter =>
    clock.offsetMs === 0
      ? letter
      : { ...letter, createdAt: clock.fromDb(letter.createdAt), abortedAt: clock.fromDb(letter.abortedAt) }
  // Heartbeats keep this node's leases. Expired ones (a dead node's) go back to waiting at the
  // next sweep, every second (an index range scan of the in-flight jobs): a dead node's jobs
  // wait at most leaseMs and a second, not leaseMs and a heartbeat's period.
  const beat = setInterval(() => void jobs.heartbeat().catch(() => {}), Math.max(50, Math.floor(leaseMs / 3)))
  beat.unref()
  const sweep = setInterval(
    () => void jobs.releaseInFlight().catch(() => {}),
    Math.max(50, Math.min(1_000, Math.floor(leaseMs / 3))),
  )
  sweep.unref()

  let closed: Promise<void> | undefined
  const closedError = () => new Error(`The store in ${where} is closed`)
  const whileOpen =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      closed ? Promise.reject(closedError()) : fn(...args)

  return {
    append: whileOpen((list) => withDeadline(events.append(list), ANSWER_WITHIN_MS, 'an append')),
    readPending: whileOpen(events.readPending),
    commitProcessed: whileOpen((seqs, list, now, letters) =>
      events.commitProcessed(seqs, list, clock.toDb(now), letters),
    ),
    markTransformAttempt: whileOpen(events.markTransformAttempt),
    buryEvents: whileOpen((seqs, letters, now) => events.buryEvents(seqs, letters, clock.toDb(now))),
    claim: whileOpen(async (destinationId, claim) =>
      (await jobs.claim(destinationId, { ...claim, now: clock.toDb(claim.now) })).map(jobFromDb),
    ),
    complete: whileOpen(jobs.complete),
    retry: whileOpen((jobId, retry) => jobs.retry(jobId, { ...retry, nextAt: clock.toDb(retry.nextAt) })),
    abort: whileOpen((jobId, abort) => jobs.abort(jobId, { ...abort, now: clock.toDb(abort.now) })),
    releaseInFlight: whileOpen(jobs.releaseInFlight),
    heldUntil: jobs.heldUntil,
    release: whileOpen(jobs.release),
    deadLetters: {
      list: whileOpen(async (query) => (await deadLetters.list(query)).map(letterFromDb)),
      get: whileOpen(async (id) => {
        const letter = await deadLetters.get(id)
        return letter && letterFromDb(letter)
      }),
      count: whileOpen(deadLetters.count),
      replay: whileOpen((selector, now) => deadLetters.replay(selector, clock.toDb(now))),
      purge: whileOpen(deadLetters.purge),
    },
    find: whileOpen(async (query) => {
      const found = await lookup(query)
      if (clock.offsetMs === 0) return found
      const matches = found.matches.map((m) => ({
        ...m,
        at: clock.fromDb(m.at),
        ...(m.nextAt === undefined ? {} : { nextAt: clock.fromDb(m.nextAt) }),
      }))
      return { ...found, matches }
    }),
    // Deletion jobs' leases and due times are the database's clock too, as the queue's are.
    regulations: {
      create: whileOpen(async (regulation, now) =>
        regulationFromDb(await regulations.create(regulation, clock.toDb(now))),
      ),
      list: whileOpen(async (query) => (await regulations.list(query)).map(regulationFromDb)),
      get: whileOpen(async (id) => {
        const found = await regulations.get(id)
        return found && regulationFromDb(found)
      }),
      remove: whileOpen((id, now) => regulations.remove(id, clock.toDb(now))),
      version: whileOpen(regulations.version),
      suppressed: whileOpen(regulations.suppressed),
      claimDeletions: whileOpen(async (claim) =>
        (await regulations.claimDeletions({ ...claim, now: clock.toDb(claim.now) })).map((job) =>
          clock.offsetMs === 0 ? job : { ...job, createdAt: clock.fromDb(job.createdAt) },
        ),
      ),
      settleDeletion: whileOpen((id, settlement, now) =>
        regulations.settleDeletion(id, settlementToDb(settlement), clock.toDb(now)),
      ),
      releaseDeletions: whileOpen(regulations.releaseDeletions),
    },
    stats: whileOpen(stats.get),
    close() {
      closed ??= (async () => {
        clearInterval(beat)
        clearInterval(sweep)
        clearInterval(check)
        await events.drain()
        // A graceful stop gives its claims back at once rather than after the lease.
        await jobs.releaseOwn().catch(() => {})
        await events.close()
        await Promise.all([pool.end(), appendPool.end()])
      })()
      return closed
    },
  }
}
