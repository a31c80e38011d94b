import type { SQLOutputValue } from 'node:sqlite'
import type { HotEvents } from './_hot-events.ts'
import type { DeadLetter, Job, StoredEvent } from './store.ts'

type Row = Record<string, SQLOutputValue>

/** Select lists whose aliases are the field names of the public types. */
export const EVENT_COLUMNS =
  'seq, source_id AS sourceId, message_id AS messageId, event, stored_at AS storedAt, transform_attempts AS transformAttempts, destination_id AS destinationId'
/**
 * A job's columns, its payload read from the stored event it references when it has none of
 * its own (`jobs AS j`, `events AS e`); `eventSeq` is for `toJob`, not part of a Job.
 */
export const JOB_COLUMNS =
  'j.id, j.event_seq AS eventSeq, j.destination_id AS destinationId, j.order_key AS orderKey, j.message_id AS messageId, coalesce(j.payload, e.event) AS payload, j.state, j.attempts, j.next_at AS nextAt, j.created_at AS createdAt, j.last_error AS lastError'
export const DEAD_LETTER_COLUMNS =
  'id, destination_id AS destinationId, order_key AS orderKey, message_id AS messageId, payload, attempts, reason, created_at AS createdAt, aborted_at AS abortedAt, step, source_id AS sourceId'

/** The parsed event of `seq` from `hot` when it holds it, else `text` parsed. */
const parsed = (hot: HotEvents | undefined, seq: unknown, text: unknown) =>
  (typeof seq === 'number' ? hot?.get(seq) : undefined) ?? JSON.parse(text as string)

export const toStoredEvent = (row: Row, hot?: HotEvents): StoredEvent => {
  const { destinationId, ...rest } = row
  return {
    ...rest,
    ...(destinationId === null ? {} : { destinationId }),
    event: parsed(hot, row.seq, row.event),
  } as StoredEvent
}
export const toJob = (row: Row, hot?: HotEvents): Job => {
  const { eventSeq, ...rest } = row
  return { ...rest, payload: parsed(hot, eventSeq, row.payload) } as Job
}
export const toDeadLetter = (row: Row): DeadLetter => {
  const { sourceId, ...rest } = row
  return {
    ...rest,
    ...(sourceId === null ? {} : { sourceId }),
    payload: JSON.parse(row.payload as string),
  } as DeadLetter
}

/** JSON text for a column; throws when the value has no JSON form (undefined, a function, a symbol). */
export function toJson(value: unknown, what: string): string {
  const json = JSON.stringify(value)
  if (json === undefined) throw new Error(`${what} cannot be stored: ${typeof value} has no JSON form`)
  return json
}
