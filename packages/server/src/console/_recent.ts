import type { ConsoleRecord, DestinationOutcome, RecordFilter, StepSnapshot } from './_records.ts'
import { matches, newRecord } from './_records.ts'

/** Tells the live streams a record is new or changed. */
export type RecordListener = (record: ConsoleRecord, change: 'new' | 'update') => void

/**
 * The last `capacity` events the gateway accepted, with their outcomes: a ring in memory,
 * indexed by messageId (the latest event of an id wins). Older events fall out; nothing
 * here is durable (the store is).
 */
export function createRecentEvents(capacity: number) {
  const ring: Array<ConsoleRecord | undefined> = new Array(capacity)
  const byMessageId = new Map<string, ConsoleRecord>()
  const listeners = new Set<RecordListener>()
  /** Records a live view was sent: only these keep what each transformation step did. */
  const sampled = new WeakSet<ConsoleRecord>()
  let nextId = 1

  function emit(record: ConsoleRecord, change: 'new' | 'update'): void {
    for (const listener of listeners) listener(record, change)
  }

  return {
    capacity,
    listen(listener: RecordListener): () => void {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    add(sourceId: string, messageId: string, event: unknown): void {
      const record = newRecord(nextId++, sourceId, messageId, event)
      const slot = record.id % capacity
      const evicted = ring[slot]
      if (evicted && byMessageId.get(evicted.messageId) === evicted) byMessageId.delete(evicted.messageId)
      ring[slot] = record
      byMessageId.set(messageId, record)
      emit(record, 'new')
    },
    byMessageId(messageId: string): ConsoleRecord | undefined {
      return byMessageId.get(messageId)
    },
    get(id: number): ConsoleRecord | undefined {
      const record = ring[id % capacity]
      return record?.id === id ? record : undefined
    },
    /** A live view was sent this record (it gets step snapshots from now on). */
    sample(record: ConsoleRecord): void {
      sampled.add(record)
    },
    isSampled: (record: ConsoleRecord): boolean => sampled.has(record),
    /** What each transformation step did, for a sampled record (others are left alone). */
    setSteps(messageId: string, steps: StepSnapshot[]): void {
      const record = byMessageId.get(messageId)
      if (!record || !sampled.has(record)) return
      record.steps = steps
      emit(record, 'update')
    },
    /** Sets (part of) where a record stands at a destination, and tells the streams. */
    update(messageId: string, destinationId: string, change: Partial<DestinationOutcome>): void {
      const record = byMessageId.get(messageId)
      if (!record) return
      const before = record.destinations[destinationId] ?? { status: 'queued', attempts: 0, updatedAt: 0 }
      record.destinations[destinationId] = { ...before, ...change, updatedAt: Date.now() }
      emit(record, 'update')
    },
    /** Newest first, at most `limit`, matching the filter. */
    find(filter: RecordFilter, limit: number): ConsoleRecord[] {
      const found: ConsoleRecord[] = []
      for (let id = nextId - 1; id >= 1 && id >= nextId - capacity && found.length < limit; id--) {
        const record = ring[id % capacity]
        if (record && record.id === id && matches(record, filter)) found.push(record)
      }
      return found
    },
  }
}

export type RecentEvents = ReturnType<typeof createRecentEvents>
