import type pg from 'pg'
import { toJson } from '../_rows.ts'
import type { BuriedEvent, NewJob, Store } from '../store.ts'
import type { ParsedEvents } from './_parsed-events.ts'
import { classify, inTransaction, isConnectionError, type Query, queryOnce } from './_pool.ts'
import { createProcessorTurn } from './_processor-turn.ts'
import { EVENT_COLUMNS, toStoredEvent } from './_rows.ts'

/** What one group commit wrote: for metrics and tests. */
export interface PgGroupCommitInfo {
  calls: number
  events: number
}

const callError = (events: Array<{ messageId: string }>, i: number, cause: unknown) =>
  new Error(
    `append: event ${i} of ${events.length} (messageId ${JSON.stringify(events[i]?.messageId)}) cannot be stored, so none of the ${events.length} were: ${(cause as Error).message}`,
    { cause },
  )

interface Call {
  /** The error for this call when its event `i` is refused. */
  fail: (i: number, cause: unknown) => Error
  sources: string[]
  messageIds: string[]
  events: string[]
  resolve: () => void
  reject: (error: unknown) => void
}

/**
 * One multi-row INSERT: one prepared statement whatever the batch size. The events travel as
 * one JSON array (`jsonArray`), their texts joined as they are: as a text[] each would be
 * escaped into an array literal (every quote of the JSON doubled up) and unescaped again by
 * the server. A `json` element cast to text is its text in the array, byte for byte.
 */
const INSERT_EVENTS = `INSERT INTO patchbay.events (source_id, message_id, event, stored_at)
  SELECT s, m, e::text, $4
  FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), json_array_elements($3::json)) WITH ORDINALITY AS t(s, m, e, n)
  ORDER BY n`

/** JSON texts as one JSON array, for INSERT_EVENTS. */
const jsonArray = (texts: readonly string[]) => `[${texts.join(',')}]`

const INSERT_LETTERS = `INSERT INTO patchbay.dead_letters
    (destination_id, order_key, message_id, payload, attempts, reason, created_at, aborted_at, step, source_id)
  SELECT d, k, m, p, a, r, $8, $8, st, src
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $9::text[])
    WITH ORDINALITY AS t(d, k, m, p, a, r, st, src, n) ORDER BY n`

/** Inserts dead letters made while processing, in the caller's transaction. */
export async function insertLetters(query: Query, letters: BuriedEvent[], now: number): Promise<void> {
  if (letters.length === 0) return
  await query('pb_insert_letters', INSERT_LETTERS, [
    letters.map((l) => l.destinationId),
    letters.map((l) => l.orderKey),
    letters.map((l) => l.messageId),
    letters.map((l) => toJson(l.payload, `the event ${JSON.stringify(l.messageId)}`)),
    letters.map((l) => l.attempts),
    letters.map((l) => l.reason),
    letters.map((l) => l.step),
    now,
    letters.map((l) => l.sourceId ?? null),
  ])
}

const INSERT_JOBS = `INSERT INTO patchbay.jobs (destination_id, order_key, message_id, event_seq, payload, state, next_at, created_at)
  SELECT d, k, m, s, p, 'waiting', $6, $6
  FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[]) WITH ORDINALITY AS t(d, k, m, s, p, n) ORDER BY n`

/** A job to queue: its payload as JSON text, or the stored event it references. */
export interface JobRecord {
  destinationId: string
  orderKey: string | null
  messageId: string
  eventSeq: number | null
  payload: string | null
}

/** Queues jobs in the caller's transaction, in order (ascending ids). */
export async function insertJobs(query: Query, jobs: JobRecord[], now: number): Promise<void> {
  if (jobs.length === 0) return
  await query('pb_insert_jobs', INSERT_JOBS, [...jobColumns(jobs), now])
}

/** Jobs as the column arrays INSERT_JOBS and commit_processed() unnest, in that order. */
function jobColumns(jobs: JobRecord[]): unknown[][] {
  return [
    jobs.map((j) => j.destinationId),
    jobs.map((j) => j.orderKey),
    jobs.map((j) => j.messageId),
    jobs.map((j) => j.eventSeq),
    jobs.map((j) => j.payload),
  ]
}

/** commitProcessed's statement: `patchbay.commit_processed` (see _functions.ts), its own transaction. */
const COMMIT_PROCESSED = `SELECT patchbay.commit_processed($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[],
  $6::bigint[], $7::text[], $8::bigint) AS queued`

/** The SQLSTATE commit_processed raises when some events were not pending (nothing committed). */
const NOT_PENDING = 'PB001'

export type EventLog = Pick<
  Store,
  'append' | 'readPending' | 'commitProcessed' | 'markTransformAttempt' | 'buryEvents'
> & {
  drain(): Promise<void>
  close(): Promise<void>
}

/**
 * The events table: group-committed appends from any node, and processing by one node at a
 * time. The processor's turn is a session advisory lock on a connection of its own, leased
 * (see _processor-turn.ts): when its node dies, freezes or is cut off, the lock passes to the
 * next node that asks, so events are turned into jobs in the order they were committed and
 * no two nodes commit the same event (per-user order starts here).
 */
export function createEventLog(
  pool: pg.Pool,
  appendPool: pg.Pool,
  url: string,
  {
    now,
    leaseMs,
    parsed,
    onGroupCommit,
  }: {
    now: () => number
    leaseMs: number
    parsed: ParsedEvents
    onGroupCommit?: (info: PgGroupCommitInfo) => void
  },
): EventLog {
  const turn = createProcessorTurn(url, leaseMs)
  let waiting: Call[] = []
  let scheduled = false
  const inFlight = new Set<Promise<void>>()

  async function write(group: Call[]): Promise<void> {
    const storedAt = now()
    const all = (pick: (c: Call) => string[]) => group.flatMap(pick)
    let failed: Array<unknown | undefined> | undefined
    try {
      // One statement is its own transaction; appendPool commits it durably (see createPool).
      await queryOnce(appendPool, 'pb_append', INSERT_EVENTS, [
        all((c) => c.sources),
        all((c) => c.messageIds),
        jsonArray(all((c) => c.events)),
        storedAt,
      ])
    } catch (error) {
      if ((error as { storeUnavailable?: boolean }).storeUnavailable || isConnectionError(error)) {
        for (const call of group) call.reject(error)
        return
      }
      // A row of some call was refused: again, a savepoint per call, so the others are kept.
      try {
        failed = await inTransaction(pool, (query) => writeEach(query, group, storedAt), { durable: true })
      } catch (again) {
        for (const call of group) call.reject(again)
        return
      }
    }
    let events = 0
    group.forEach((call, i) => {
      const error = failed?.[i]
      if (error) call.reject(error)
      else {
        events += call.events.length
        call.resolve()
      }
    })
    onGroupCommit?.({ calls: group.length, events })
  }

  /** Each call under its own savepoint; a refused call is rolled back and its first bad row named. */
  async function writeEach(query: Query, group: Call[], storedAt: number): Promise<unknown[]> {
    const outcomes: unknown[] = []
    for (const call of group) {
      await query('pb_savepoint', 'SAVEPOINT call')
      try {
        await query('pb_append', INSERT_EVENTS, [
          call.sources,
          call.messageIds,
          jsonArray(call.events),
          storedAt,
        ])
        await query('pb_release', 'RELEASE SAVEPOINT call')
        outcomes.push(undefined)
        continue
      } catch (error) {
        if (isConnectionError(error)) throw classify(error)
        await query('pb_rollback', 'ROLLBACK TO SAVEPOINT call')
      }
      let refusal: unknown
      for (let i = 0; i < call.events.length && refusal === undefined; i++) {
        try {
          await query('pb_append', INSERT_EVENTS, [
            [call.sources[i]],
            [call.messageIds[i]],
            jsonArray([call.events[i]!]),
            storedAt,
          ])
        } catch (cause) {
          if (isConnectionError(cause)) throw classify(cause)
          refusal = call.fail(i, cause)
        }
        await query('pb_rollback', 'ROLLBACK TO SAVEPOINT call')
      }
      await query('pb_release', 'RELEASE SAVEPOINT call')
      outcomes.push(refusal ?? call.fail(0, new Error('refused by the database')))
    }
    return outcomes
  }

  function flush(): void {
    scheduled = false
    const group = waiting
    waiting = []
    const done = write(group).finally(() => inFlight.delete(done))
    inFlight.add(done)
  }

  return {
    append(events) {
      if (events.length === 0) return Promise.resolve()
      const call = { sources: [], messageIds: [], events: [] } as unknown as Call
      for (const [i, { sourceId, messageId, event, json }] of events.entries()) {
        try {
          if (json === undefined) call.events.push(toJson(event, 'the event'))
          else {
            call.events.push(json)
            // Handed over with its text: the processor's read of this event reuses the object.
            parsed.put(json, event)
          }
        } catch (cause) {
          return Promise.reject(callError(events, i, cause))
        }
        call.sources.push(sourceId)
        call.messageIds.push(messageId)
      }
      call.fail = (i, cause) => callError(events, i, cause)
      const done = new Promise<void>((resolve, reject) => {
        call.resolve = resolve
        call.reject = reject
      })
      waiting.push(call)
      if (!scheduled) {
        scheduled = true
        setImmediate(flush)
      }
      return done
    },
    async readPending(limit) {
      const lock = await turn.hold()
      if (!lock) return []
      const { rows } = await lock
        .query({
          name: 'pb_pending',
          text: `SELECT ${EVENT_COLUMNS} FROM patchbay.events WHERE NOT processed ORDER BY seq LIMIT $1`,
          values: [limit],
        })
        .catch((error: unknown) => {
          // A stalled or broken connection: the turn goes with it (the next read takes it again).
          turn.drop()
          throw classify(error)
        })
      return rows.map((row) => toStoredEvent(row, parsed.parse))
    },
    async commitProcessed(seqs, newJobs: NewJob[], at, letters = []) {
      const unique = [...new Set(seqs)]
      const jobRecords: JobRecord[] = newJobs.map((job) => ({
        destinationId: job.destinationId,
        orderKey: job.orderKey,
        messageId: job.messageId,
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
      // Events that got jobs are marked processed (the jobs read them); the others are done.
      const referenced = new Set(jobRecords.flatMap((j) => (j.eventSeq === null ? [] : [j.eventSeq])))
      const keep = unique.filter((seq) => referenced.has(seq))
      const drop = unique.filter((seq) => !referenced.has(seq))
      const values = [keep, drop, ...jobColumns(jobRecords), at]
      try {
        // One statement for the events and the jobs (jobs keep the order of `newJobs`): its own
        // transaction, one round trip. Dead letters too make it a transaction of two.
        if (letters.length === 0) await queryOnce(pool, 'pb_commit_processed', COMMIT_PROCESSED, values)
        else
          await inTransaction(pool, async (query) => {
            await query('pb_commit_processed', COMMIT_PROCESSED, values)
            await insertLetters(query, letters, at)
          })
      } catch (error) {
        if ((error as { code?: string }).code === NOT_PENDING) throw new Error((error as Error).message)
        throw error
      }
    },
    async markTransformAttempt(seqs) {
      if (seqs.length === 0) return
      await inTransaction(
        pool,
        (query) =>
          query(
            'pb_count_attempt',
            'UPDATE patchbay.events SET transform_attempts = transform_attempts + 1 WHERE seq = ANY($1::bigint[])',
            [seqs],
          ),
        { durable: true },
      )
    },
    async buryEvents(seqs, letters, at) {
      const unique = [...new Set(seqs)]
      await inTransaction(
        pool,
        async (query) => {
          const removed = await query(
            'pb_remove_pending',
            'DELETE FROM patchbay.events WHERE NOT processed AND seq = ANY($1::bigint[])',
            [unique],
          )
          if (removed.rowCount !== unique.length)
            throw new Error(
              `buryEvents: ${unique.length - (removed.rowCount ?? 0)} of the ${unique.length} events are not pending; nothing was changed`,
            )
          await insertLetters(query, letters, at)
        },
        { durable: true },
      )
    },
    async drain() {
      while (scheduled || inFlight.size > 0) {
        if (scheduled) await new Promise((r) => setImmediate(r))
        await Promise.all(inFlight)
      }
    },
    close: () => turn.close(),
  }
}
