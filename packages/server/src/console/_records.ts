/**
 * What the console knows about one recent event: the event as the gateway stored it and,
 * per destination, where its delivery stands. Sent to the browser as JSON (rendered there as
 * text only).
 */

/** Where an event stands at one destination. */
export type DestinationStatus =
  | 'queued'
  | 'in_flight'
  | 'retrying'
  | 'delivered'
  | 'dropped'
  | 'dead_letter'
  | 'not_routed'

export interface DestinationOutcome {
  status: DestinationStatus
  /** Failed attempts so far. */
  attempts: number
  /** When a retry is due (ms since the epoch). */
  nextAt?: number
  /** The last error, or why it is a dead letter. */
  error?: string
  /** Why the destination dropped it. */
  reason?: string
  /** The event as this destination gets it, when the transformations changed it. */
  output?: unknown
  /** The redacted, size-capped request/response records of the last attempt. */
  exchanges?: unknown[]
  updatedAt: number
}

export interface ConsoleRecord {
  /** The console's own sequence number (ascending, never reused in a gateway's life). */
  id: number
  sourceId: string
  messageId: string
  type: string
  /** The track event's name, or the page/screen name. */
  name?: string
  userId?: string
  anonymousId?: string
  receivedAt: number
  /** The normalised event, as stored. */
  event: unknown
  destinations: Record<string, DestinationOutcome>
}

/** The fields the live view filters on. */
export interface RecordFilter {
  sourceId?: string
  type?: string
  name?: string
  userId?: string
  messageId?: string
}

const FILTER_KEYS = ['sourceId', 'type', 'name', 'userId', 'messageId'] as const

/** A filter from query parameters (`source`, `type`, `event`, `user`, `messageId`); empty values ignored. */
export function filterFromQuery(params: URLSearchParams): RecordFilter {
  const filter: RecordFilter = {}
  const pairs: Array<[keyof RecordFilter, string]> = [
    ['sourceId', 'source'],
    ['type', 'type'],
    ['name', 'event'],
    ['userId', 'user'],
    ['messageId', 'messageId'],
  ]
  for (const [key, param] of pairs) {
    const value = params.get(param)?.trim()
    if (value) filter[key] = value.slice(0, 500)
  }
  return filter
}

/** Exact match on every field the filter names; `userId` also matches the anonymousId. */
export function matches(record: ConsoleRecord, filter: RecordFilter): boolean {
  for (const key of FILTER_KEYS) {
    const wanted = filter[key]
    if (wanted === undefined) continue
    if (key === 'userId') {
      if (record.userId !== wanted && record.anonymousId !== wanted) return false
    } else if (record[key] !== wanted) return false
  }
  return true
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined

/** A record for an accepted event, before any processing. */
export function newRecord(id: number, sourceId: string, messageId: string, event: unknown): ConsoleRecord {
  const e = (event ?? {}) as Record<string, unknown>
  const type = text(e.type) ?? 'unknown'
  const name = type === 'track' ? text(e.event) : text(e.name)
  const userId = text(e.userId)
  const anonymousId = text(e.anonymousId)
  return {
    id,
    sourceId,
    messageId,
    type,
    ...(name !== undefined ? { name } : {}),
    ...(userId !== undefined ? { userId } : {}),
    ...(anonymousId !== undefined ? { anonymousId } : {}),
    receivedAt: Date.now(),
    event,
    destinations: {},
  }
}
