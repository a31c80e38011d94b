import type { SyncBatch } from './sync.ts'

/**
 * Collects a sync's events and states into {@link SyncBatch}es: a batch is full at
 * `batchSize` events and carries the latest state seen before its last event's successor,
 * which is safe to save once the batch is accepted (every record before that state is in
 * this batch or an earlier one). States with no events between them are coalesced.
 *
 * @example
 * const batcher = createSyncBatcher(1000)
 * for (...) { batcher.add(event, line); if (batcher.full()) yield batcher.take() }
 */
export interface SyncBatcher {
  add(event: unknown, line: number): void
  /** A state message: the whole state to save after every event added so far. */
  checkpoint(state: unknown): void
  full(): boolean
  /** True when there is anything (events or a state) to take. */
  pending(): boolean
  take(): SyncBatch
}

export function createSyncBatcher(batchSize: number): SyncBatcher {
  let events: unknown[] = []
  let state: unknown
  let first = 0
  let last = 0
  return {
    add(event, line) {
      if (events.length === 0) first = line
      last = line
      events.push(event)
    },
    checkpoint(value) {
      state = value
    },
    full: () => events.length >= batchSize,
    pending: () => events.length > 0 || state !== undefined,
    take() {
      const batch: SyncBatch = {
        events,
        ...(state !== undefined ? { state } : {}),
        ...(events.length > 0 ? { lines: [first, last] as const } : {}),
      }
      events = []
      state = undefined
      return batch
    },
  }
}
