import type { StoredMatch } from '@patchbay/console'

export type { StoredMatch, StoredState } from '@patchbay/console'

/**
 * The gateway's durable store: accepted events, per-destination delivery jobs and dead
 * letters. One interface, so a PostgreSQL store can follow the SQLite one.
 */

/** Where a job stands. Delivered jobs are removed; aborted ones become dead letters. */
export type JobState = 'waiting' | 'in_flight' | 'retrying'

/** An event as the gateway accepted it, before any processing. */
export interface IncomingEvent {
  sourceId: string
  messageId: string
  /** The normalised event: anything JSON can represent. */
  event: unknown
  /**
   * `event` as JSON text, when the caller has it already (ingest measures it): stored as is,
   * not serialised again. Giving it also hands `event` over: the caller must not change it
   * afterwards, as the store may give that same object to the next reads instead of parsing
   * the text again. Without it, the store serialises `event` during the call.
   */
  json?: string
}

/** An accepted event waiting to be processed into jobs. */
export interface StoredEvent {
  /** Ascending in the order events were committed; never reused. */
  seq: number
  sourceId: string
  messageId: string
  event: unknown
  storedAt: number
  /** Times the transformations started on this event without finishing it (see markTransformAttempt). */
  transformAttempts: number
  /** Set when the event is a dead letter replayed through the transformations: its jobs go to this destination only. */
  destinationId?: string
}

/** Where a job or dead letter goes. */
export interface JobTarget {
  destinationId: string
  /** Jobs with the same key are delivered one at a time, in order, when claimed `ordered`. */
  orderKey: string | null
  messageId: string
}

/**
 * A dead letter made while processing: an event the transformations never finished
 * (`step: 'transformations'`, kept untransformed; replay runs the transformations again),
 * or one routed to a destination that cannot take it (`step: 'delivery'`).
 */
export interface BuriedEvent extends JobTarget {
  payload: unknown
  attempts: number
  reason: string
  step: DeadLetterStep
  /** The source the event came from: a replay from the transformations runs them for it. */
  sourceId?: string
}

/**
 * A job that processing an event produced for one destination: either the transformed
 * event (`payload`), or, when the transformations left the event unchanged, a reference to
 * the stored event (`eventSeq`), so an event routed to N destinations is stored once.
 */
export type NewJob = JobTarget &
  ({ payload: unknown; eventSeq?: undefined } | { eventSeq: number; payload?: undefined })

/** The step a dead letter failed at, which is where its replay starts. */
export type DeadLetterStep = 'transformations' | 'delivery'

/** A job in the queue of its destination: `payload` is the event to deliver. */
export interface Job extends JobTarget {
  payload: unknown
  /**
   * The length of `payload`'s stored JSON text, when the store had that text at hand (read
   * with the job, or kept with the parsed event): delivery's batch byte bounds count it
   * instead of serialising the payload again. Absent, delivery measures.
   */
  size?: number
  /** Ascending in creation order; never reused. */
  id: number
  state: JobState
  /** Failed attempts so far. */
  attempts: number
  /** When the job is due: its creation time, or the time a retry was scheduled for. */
  nextAt: number
  createdAt: number
  lastError: string | null
}

/** A job that was aborted: kept until it is replayed or purged. */
export interface DeadLetter extends JobTarget {
  /** The event: untransformed when `step` is `transformations`, else as the destination got it. */
  payload: unknown
  /** Where it failed: `transformations` dead letters are replayed through the transformations. */
  step: DeadLetterStep
  /** The source of the event, for a replay through the transformations. */
  sourceId?: string
  /** Ascending in the order jobs were aborted; never reused. */
  id: number
  /** Attempts made, the aborted one included. */
  attempts: number
  reason: string
  /** When the job was created. */
  createdAt: number
  abortedAt: number
}

/** What `claim` takes, and how. */
export interface ClaimOptions {
  limit: number
  now: number
  /** Claim at most the oldest pending job of each order key (jobs without a key are never held back). */
  ordered: boolean
}

/** Which dead letters to replay or purge. Both fields given: dead letters matching both. */
export interface DeadLetterSelector {
  ids?: number[]
  destinationId?: string
}

/** The store's size, for backpressure and metrics. */
export interface StoreStats {
  /** Events accepted but not yet processed into jobs. */
  pendingEvents: number
  /** Jobs per destination per state. Destinations without jobs are absent. */
  jobs: Record<string, Record<JobState, number>>
  /** Dead letters per destination. Destinations without any are absent. */
  deadLetters: Record<string, number>
  /** The storedAt of the oldest pending event or the createdAt of the oldest job, whichever is older. */
  oldestPendingAt: number | null
}

/** What `find` looks for: one event by messageId, or a user's events by userId or anonymousId. */
export interface FindQuery {
  messageId?: string
  /** Matches the event's `userId` or `anonymousId`. */
  user?: string
  /** Matches returned per table (pending events, jobs, dead letters) at most (capped at 500). */
  limit: number
  /** Rows read per table at most, newest first (default 1,000,000). */
  scan?: number
}

/** What `find` found, newest first per table: pending events, then jobs, then dead letters. */
export interface FindResult {
  matches: StoredMatch[]
  /** False when a table stopped at `limit` or `scan` before its oldest row. */
  complete: boolean
}

/** Aborted jobs, kept for inspection until they are replayed or purged. */
export interface DeadLetters {
  /** Oldest first, `limit` (default 100) at a time; pass the last id seen as `afterId` for the next page. */
  list(options?: { destinationId?: string; limit?: number; afterId?: number }): Promise<DeadLetter[]>
  get(id: number): Promise<DeadLetter | undefined>
  /** From counters, not a count of rows. */
  count(destinationId?: string): Promise<number>
  /**
   * Moves dead letters back to their destination's queue as new jobs (waiting, attempts 0,
   * due now), oldest first, keeping their order key: each goes behind the jobs already
   * queued for that key. A dead letter that failed at the transformations goes back to the
   * pending events instead (for its destination only, attempts reset), so the
   * transformations run on it again. Returns how many.
   */
  replay(selector: DeadLetterSelector, now: number): Promise<number>
  /** Deletes dead letters for good. Returns how many. */
  purge(selector: DeadLetterSelector): Promise<number>
}

/**
 * The durable store. Every method is asynchronous and commits its own transaction before its
 * promise resolves. The SQLite store does its work synchronously inside the call (the promise
 * is already settled); the PostgreSQL store talks to the database.
 *
 * @example
 * const store = openSqliteStore({ dir: './data' })
 * await store.releaseInFlight()
 * await store.append([{ sourceId: 'web', messageId: 'm1', event }]) // durable now: answer 200
 * const events = await store.readPending(100)
 * await store.commitProcessed(events.map((e) => e.seq), jobsFor(events), Date.now())
 * const jobs = await store.claim('crm', { limit: 10, now: Date.now(), ordered: true })
 */
export interface Store {
  /**
   * Resolves once the events are durably committed. Calls made in the same event-loop turn
   * are group-committed: one transaction, one fsync. Each call is all-or-nothing: when one
   * of its events cannot be stored it rejects and none of its events are kept, while the
   * other calls of the group are unaffected. (When the fsync itself fails, the calls reject
   * although their events may be kept: a retry may store them twice, never zero times.)
   */
  append(events: IncomingEvent[]): Promise<void>
  /** Events not yet processed, oldest first. */
  readPending(limit: number): Promise<StoredEvent[]>
  /**
   * In one transaction: takes the processed events out of the pending queue, queues their
   * jobs (waiting, due `now`) and keeps `deadLetters` (events routed to a destination that
   * cannot take them). An event stays stored while a job references it (`eventSeq`) and is
   * removed with the last one; an event no job references is removed now. Throws, changing
   * nothing, when one of the events is not pending (processed twice).
   */
  commitProcessed(seqs: number[], jobs: NewJob[], now: number, deadLetters?: BuriedEvent[]): Promise<void>
  /**
   * Durably counts one more transform attempt for each event, before user code runs on it:
   * if the attempt takes the sandbox or the gateway down, the count survives.
   */
  markTransformAttempt(seqs: number[]): Promise<void>
  /**
   * In one transaction: removes the events and keeps them as dead letters (one per
   * destination, as the processor lists them) without transforming them. For poison events.
   */
  buryEvents(seqs: number[], letters: BuriedEvent[], now: number): Promise<void>
  /**
   * Marks due jobs of a destination in_flight and returns them, earliest due first (fresh
   * jobs are due when created, so oldest first). With `ordered`, a job is only claimed when
   * it is the oldest pending (waiting, retrying or in_flight) job of its order key: while a
   * key's job is in flight or waiting to be retried, that key's later jobs wait.
   */
  claim(destinationId: string, options: ClaimOptions): Promise<Job[]>
  /** The jobs were delivered: they are removed. Unknown ids are ignored. */
  complete(jobIds: number[]): Promise<void>
  /**
   * Optional: `complete(jobIds)` then `claim(destinationId, options)` in one transaction, so a
   * delivery worker settles what it delivered and takes its next jobs with one commit. When
   * it throws, neither happened. A store without it gets the two calls instead.
   */
  completeAndClaim?(jobIds: number[], destinationId: string, options: ClaimOptions): Promise<Job[]>
  /**
   * Optional, for a store several nodes share (PostgreSQL): until when, in
   * `performance.now()` time, this node surely still holds these claimed jobs. It counts from
   * when the node last asked for their leases (the claim, then each heartbeat the store
   * confirmed), so it is never later than the leases themselves; -Infinity when a job is not
   * held (its heartbeat found it taken over). Past it, another node may have taken the jobs
   * over: the delivery worker sends nothing more of them and gives them back with `release`.
   * A store one process owns has no leases and leaves both out.
   */
  heldUntil?(jobIds: readonly number[]): number
  /**
   * Optional, with `heldUntil`: gives claimed jobs back unsent, no attempt counted. Those this
   * node still holds are waiting again for any node; those another node took over are left to
   * it. Returns how many went back.
   */
  release?(jobIds: number[]): Promise<number>
  /** The attempt failed but may succeed later: retrying, attempts + 1, due at `nextAt`. */
  retry(jobId: number, options: { nextAt: number; error: string }): Promise<void>
  /** Gives up: the job becomes a dead letter (attempts + 1) and no longer holds back its key. */
  abort(jobId: number, options: { reason: string; now: number }): Promise<void>
  /**
   * For startup after a crash: in_flight jobs nobody holds go back to waiting (at-least-once).
   * Returns how many. SQLite (one process per data directory): every in_flight job. PostgreSQL
   * (several nodes): only jobs whose lease expired; a live node's claims are left alone.
   */
  releaseInFlight(): Promise<number>
  deadLetters: DeadLetters
  /**
   * Finds events by messageId or user wherever the store holds them: pending (not yet
   * processed), queued, in flight or retrying at a destination (with attempts, next retry,
   * last error), or dead letters. Delivered events are not kept. Reads each table newest
   * first in small chunks (no index: a random-key index would cost every append), bounded by
   * `limit` and `scan`; parameterised queries only.
   */
  find(query: FindQuery): Promise<FindResult>
  /** Regulations: suppressed users and the deletions fanned out to destinations. */
  regulations: Regulations
  /**
   * Cheap enough for every request: SQLite keeps counters in memory in step with the
   * database; PostgreSQL serves a snapshot at most `statsMaxAgeMs` old (see its options).
   */
  stats(): Promise<StoreStats>
  /** Waits for a pending group commit, then closes the database and releases the data directory. */
  close(): Promise<void>
}

/** What a regulation does: drop the user's future events, and also delete what exists. */
export type RegulationType = 'suppress' | 'suppress_with_delete'

/** One identifier a regulation names (see core's `UserIdentifier`). */
export interface RegulationIdentifier {
  type: string
  value: string
}

/** Where a destination's deletion of a regulation's users stands. */
export type DeletionStatus = 'pending' | 'done' | 'failed' | 'unsupported'

/** One destination's deletion for a regulation: the audit trail's per-destination line. */
export interface DeletionRecord {
  id: number
  regulationId: number
  destinationId: string
  status: DeletionStatus
  /** Failed attempts so far. */
  attempts: number
  /** Why it failed (last error while pending, final reason once failed); no personal data but the identifiers named. */
  reason: string | null
  createdAt: number
  updatedAt: number
}

/** A regulation, as kept for the audit trail. */
export interface Regulation {
  /** Ascending in creation order; never reused. */
  id: number
  type: RegulationType
  identifiers: RegulationIdentifier[]
  /** When it was created and applied (queued jobs and dead letters purged in the same transaction). */
  createdAt: number
  /** When it was removed (suppression lifted); null while in force. The record stays, for the audit trail. */
  removedAt: number | null
  /** What applying it removed from the queue. */
  purged: { jobs: number; deadLetters: number }
  deletions: DeletionRecord[]
}

/** What creating a regulation takes. */
export interface NewRegulation {
  type: RegulationType
  identifiers: RegulationIdentifier[]
  /** Destinations that can delete (a deletion job each); only for `suppress_with_delete`. */
  deleteAt: string[]
  /** Destinations that cannot: recorded as `unsupported`, for the audit trail. */
  cannotDelete: string[]
}

/** A deletion job claimed for one attempt. */
export interface DeletionJob {
  id: number
  regulationId: number
  destinationId: string
  identifiers: RegulationIdentifier[]
  attempts: number
  createdAt: number
}

/** How a deletion attempt ended. */
export type DeletionSettlement =
  | { status: 'done' }
  | { status: 'retry'; nextAt: number; error: string }
  | { status: 'failed'; reason: string }

/**
 * Regulations (suppression and deletion), durable in the store so they survive restarts and
 * are shared by every node of a PostgreSQL store.
 */
export interface Regulations {
  /**
   * In one transaction: records the regulation and its identifiers (in force from now on),
   * deletes the queued jobs (not in flight) and the dead letters whose event carries one of
   * the identifiers, and queues one deletion job per destination in `deleteAt`.
   * `traits`: the trait names matched besides userId and anonymousId.
   */
  create(regulation: NewRegulation, now: number): Promise<Regulation>
  /** Newest first, `limit` (default 100) at a time; `beforeId` pages back. */
  list(options?: { limit?: number; beforeId?: number; includeRemoved?: boolean }): Promise<Regulation[]>
  get(id: number): Promise<Regulation | undefined>
  /** Lifts the suppression (its deletions already queued go on); the record stays. False when unknown or removed already. */
  remove(id: number, now: number): Promise<boolean>
  /** A number that changes whenever a regulation is created or removed (cheap: one index read). */
  version(): Promise<number>
  /** Every identifier in force, with the version it was read at. */
  suppressed(): Promise<{ version: number; identifiers: RegulationIdentifier[] }>
  /**
   * Takes due pending deletion jobs for one attempt, leasing them for `leaseMs` (a node that
   * dies loses them to another after that).
   */
  claimDeletions(options: { limit: number; now: number; leaseMs: number }): Promise<DeletionJob[]>
  settleDeletion(id: number, settlement: DeletionSettlement, now: number): Promise<void>
  /** Startup of a single-node store: deletions a crash left leased are due again now. */
  releaseDeletions(): Promise<number>
}
