import type { DeadLetter, Job, StoredEvent } from '../store.ts'

type Row = Record<string, unknown>

/** Select lists whose aliases are the field names of the public types (quoted: Postgres folds case). */
export const EVENT_COLUMNS =
  'seq, source_id AS "sourceId", message_id AS "messageId", event, stored_at AS "storedAt", transform_attempts AS "transformAttempts", destination_id AS "destinationId"'
export const JOB_COLUMNS =
  'j.id, j.destination_id AS "destinationId", j.order_key AS "orderKey", j.message_id AS "messageId", coalesce(j.payload, e.event) AS payload, j.state, j.attempts, j.next_at AS "nextAt", j.created_at AS "createdAt", j.last_error AS "lastError"'
export const DEAD_LETTER_COLUMNS =
  'id, destination_id AS "destinationId", order_key AS "orderKey", message_id AS "messageId", payload, attempts, reason, created_at AS "createdAt", aborted_at AS "abortedAt", step, source_id AS "sourceId"'

/** `parse` turns the stored JSON text into the event (a ParsedEvents' parse, to reuse objects). */
type Parse = (text: string) => unknown

export const toStoredEvent = (row: Row, parse: Parse = JSON.parse): StoredEvent => {
  const { destinationId, ...rest } = row
  return {
    ...rest,
    ...(destinationId === null ? {} : { destinationId }),
    event: parse(row.event as string),
  } as StoredEvent
}
export const toJob = (row: Row, parse: Parse = JSON.parse): Job =>
  ({ ...row, payload: parse(row.payload as string), size: (row.payload as string).length }) as Job
export const toDeadLetter = (row: Row): DeadLetter => {
  const { sourceId, ...rest } = row
  return {
    ...rest,
    ...(sourceId === null ? {} : { sourceId }),
    payload: JSON.parse(row.payload as string),
  } as DeadLetter
}
