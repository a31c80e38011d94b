import type { SQLOutputValue } from 'node:sqlite'
import type { HotEvents } from './_hot-events.ts'
import type { DeadLetter, Job, StoredEvent } from './store.ts'

type Row = Record<string, SQLOutputValue>

/** Select lists whose aliases are the field names of the public types. */
export const EVENT_COLUMNS =
  'seq, source_id AS sourceId, message_id AS messageId, event, stored_at AS storedAt, transform_attempts AS transformAttempts, destination_id AS destinationId'
/** EVENT_COLUMNS without the event's text: for reads that take the parsed event from the hot cache. */
export const EVENT_COLUMNS_NO_TEXT =
  'seq, source_id AS sourceId, message_id AS messageId, stored_at AS storedAt, transform_attempts AS transformAttempts, destination_id AS destinationId'
/**
 * A job's columns (`jobs AS j`), its own payload only: a job that references its stored
 * event (`eventSeq`) has a null payload here, filled by `withEventTexts`. `eventSeq` is for
 * `toJob`, not part of a Job.
 */
export const JOB_COLUMNS =
  'j.id, j.event_seq AS eventSeq, j.destination_id AS destinationId, j.order_key AS orderKey, j.message_id AS messageId, j.payload, j.state, j.attempts, j.next_at AS nextAt, j.created_at AS createdAt, j.last_error AS lastError'
export const DEAD_LETTER_COLUMNS =
  'id, destination_id AS destinationId, order_key AS orderKey, message_id AS messageId, payload, attempts, reason, created_at AS createdAt, aborted_at AS abortedAt, step, source_id AS sourceId'

/** The parsed event of `seq` from `hot` when it holds it, else `text` parsed. */
const parsed = (hot: HotEvents | undefined, seq: unknown, text: unknown) =>
  (typeof seq === 'number' ? hot?.get(seq) : undefined) ?? JSON.parse(text as string)

/**
 * The stored text of the events among `seqs` whose parsed event `hot` does not hold, by seq:
 * one query (`read`, given the seqs as a JSON array) for every miss, none in the steady
 * state, where the processor and the workers read events moments after they were written.
 */
export function textsOfMisses(
  seqs: readonly unknown[],
  hot: HotEvents,
  read: (seqs: string) => unknown[],
): Map<number, string> | undefined {
  const misses: number[] = []
  for (const seq of seqs) if (typeof seq === 'number' && hot.get(seq) === undefined) misses.push(seq)
  if (misses.length === 0) return undefined
  const texts = new Map<number, string>()
  for (const row of read(JSON.stringify(misses)) as Array<{ seq: number; event: string }>)
    texts.set(row.seq, row.event)
  return texts
}

/** A pending event's row; without an `event` column, its text is in `texts` (or `hot` holds it). */
export const toStoredEvent = (row: Row, hot?: HotEvents, texts?: Map<number, string>): StoredEvent => {
  const { destinationId, ...rest } = row
  return {
    ...rest,
    ...(destinationId === null ? {} : { destinationId }),
    event: parsed(hot, row.seq, row.event ?? texts?.get(row.seq as number)),
  } as StoredEvent
}
/**
 * A job's row (JOB_COLUMNS): a job without a payload of its own gets its event's, from `hot`
 * or `texts`. `size` is the length of the payload's text, read or kept with the event.
 */
export const toJob = (row: Row, hot?: HotEvents, texts?: Map<number, string>): Job => {
  const { eventSeq, ...rest } = row
  const kept = typeof eventSeq === 'number' ? hot?.entry(eventSeq) : undefined
  if (kept)
    return { ...rest, payload: kept.event, ...(kept.size === undefined ? {} : { size: kept.size }) } as Job
  const text = (row.payload ?? texts?.get(eventSeq as number)) as string
  return { ...rest, payload: JSON.parse(text), size: text.length } as Job
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
