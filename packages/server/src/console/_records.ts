/**
 * The console's record of one recent event (its type is the page's wire type, from
 * @patchbay/console): how a record is made for an accepted event, and the live view's filters.
 */
import type { ConsoleRecord } from '@patchbay/console'

export type { ConsoleRecord, DestinationOutcome, DestinationStatus, StepSnapshot } from '@patchbay/console'

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
