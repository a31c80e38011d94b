import type { SyncBatch } from './sync.ts'

/**
 * Collects a sync's events and states into {@link SyncBatch}es: a batch is full at
 * `batchSize` events and carries the latest state seen before its last event's successor,
 * which is safe to save once the batch is accepted (every record before that state is in
 * this batch or an earlier one). States with no events between them are coalesced; a state
 * with no events pending is full on its own, so it is saved without waiting for a batch.
 *
 * @example
 * const batcher = createSyncBatcher(1000)
 * for (...) { batcher.add(event, line); if (batcher.full()) yield batcher.take() }
 */
export interface SyncBatcher {
  add(event: unknown, line: number): void
  /** A state message: the whole state to save after every event added so far. */
  checkpoint(state: unknown): void
  /** batchSize events, or a state with no events before it: take() now. */
  full(): boolean
  /** True when there is anything (events or a state) to take. */
  pending(): boolean
  take(): SyncBatch
}

export function createSyncBatcher(batchSize: number): SyncBatcher {
  let events: unknown[] = []
  let lines: number[] = []
  let state: unknown
  return {
    add(event, line) {
      events.push(event)
      lines.push(line)
    },
    checkpoint(value) {
      state = value
    },
    // A state right after a batch was taken is saved at once: nothing waits for it.
    full: () => events.length >= batchSize || (events.length === 0 && state !== undefined),
    pending: () => events.length > 0 || state !== undefined,
    take() {
      const batch: SyncBatch = {
        events,
        ...(state !== undefined ? { state } : {}),
        ...(events.length > 0 ? { lines: [lines[0]!, lines.at(-1)!] as const, eventLines: lines } : {}),
      }
      events = []
      lines = []
      state = undefined
      return batch
    },
  }
}
