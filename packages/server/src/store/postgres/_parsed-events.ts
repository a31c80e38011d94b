import { dropOldestPastLimit } from '../_drop-oldest.ts'

/**
 * Parsed events by their JSON text, for the events this node appended recently. Its
 * processor reads an event back moments after ingest wrote it, and the job that references
 * it is claimed moments later: parsing the same text twice more cost more than the rest of
 * the read. The key is the text itself, so a hit is always the object that text stands for,
 * whatever row (or node) it came back from; a miss (another node's event, a transformed
 * payload, an event evicted) parses the text as before. Only objects handed over with their
 * text (`IncomingEvent.json`: the caller never changes them, and the pipeline freezes what it
 * is given) are kept, so no reader can change an object for the next.
 *
 * Past `limit` entries (a backlog) the oldest go first, so memory stays bounded; texts longer
 * than `maxChars` are not kept (a long string's hash is cheap only up to a length).
 */
export interface ParsedEvents {
  put(text: string, event: unknown): void
  /** The object `text` stands for: the one kept, or `text` parsed. */
  parse(text: string): unknown
  readonly size: number
}

/** Entries kept at most: about 10 MB of typical 400-byte events, as the SQLite store's hot events. */
export const PARSED_EVENTS_LIMIT = 8192
const MAX_CHARS = 8192

export function createParsedEvents(limit = PARSED_EVENTS_LIMIT, maxChars = MAX_CHARS): ParsedEvents {
  // A Map iterates in insertion order: the first key is the oldest.
  const events = new Map<string, unknown>()
  return {
    put(text, event) {
      if (text.length > maxChars) return
      events.set(text, event)
      dropOldestPastLimit(events, limit)
    },
    parse(text) {
      const kept = text.length > maxChars ? undefined : events.get(text)
      return kept !== undefined ? kept : JSON.parse(text)
    },
    get size() {
      return events.size
    },
  }
}
