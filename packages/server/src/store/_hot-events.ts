import { dropOldestPastLimit } from './_drop-oldest.ts'

/**
 * Parsed events by seq, for the events this store wrote or read recently. The processor
 * reads an event back moments after ingest wrote it, and each job that references it is
 * claimed moments later: parsing its JSON again each time cost more than the rest of the
 * read. A hit hands out the object whose JSON the row holds (the pipeline freezes what it is
 * given, so no reader can change it for the next); a miss parses the stored text as before.
 *
 * Entries go when their event row is deleted; past `limit` (a backlog after an outage) the
 * oldest go first, so memory stays bounded whatever the queue holds.
 */
export interface HotEvents {
  /** Keeps the parsed event of `seq`; `size`: the length of its stored JSON text. */
  put(seq: number, event: unknown, size?: number): void
  /** The parsed event, or `undefined` to parse the stored text. */
  get(seq: number): unknown
  /** The parsed event with the length of its stored text (for delivery's byte bounds), or `undefined`. */
  entry(seq: number): HotEvent | undefined
  delete(seq: number): void
  readonly size: number
}

export interface HotEvent {
  event: unknown
  size: number | undefined
}

/** Entries kept at most: about 10 MB of typical 400-byte events. */
export const HOT_EVENTS_LIMIT = 8192

export function createHotEvents(limit = HOT_EVENTS_LIMIT): HotEvents {
  // A Map iterates in insertion order, and seqs are inserted ascending: the first is the oldest.
  const events = new Map<number, HotEvent>()
  return {
    put(seq, event, size) {
      events.set(seq, { event, size })
      dropOldestPastLimit(events, limit)
    },
    get: (seq) => events.get(seq)?.event,
    entry: (seq) => events.get(seq),
    delete(seq) {
      events.delete(seq)
    },
    get size() {
      return events.size
    },
  }
}
