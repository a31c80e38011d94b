import { describe, expect, it } from 'vitest'
import { overloadCheck } from '../src/ingest/_backpressure.ts'
import type { StoreStats } from '../src/store/store.ts'

const stats = (pendingEvents: number, inFlight: number, oldestPendingAt: number | null): StoreStats => ({
  pendingEvents,
  jobs: { crm: { waiting: 0, retrying: 0, in_flight: inFlight } },
  deadLetters: { crm: 5 },
  oldestPendingAt,
})

describe('the backpressure rule', () => {
  it('counts pending events and queued jobs (not dead letters) against maxQueued', async () => {
    const check = (s: StoreStats) =>
      overloadCheck(
        async () => s,
        { maxQueued: 10, maxAgeMs: 0 },
        () => 0,
      )()
    expect(await check(stats(4, 5, null))).toBeUndefined()
    expect(await check(stats(5, 5, null))).toBe('10 events and jobs are queued (limit 10)')
  })

  it('refuses when the oldest queued item is older than maxAgeMs, and never without an age limit', async () => {
    const hour = 3_600_000
    const at = (maxAgeMs: number) =>
      overloadCheck(
        async () => stats(1, 0, 0),
        { maxQueued: 100, maxAgeMs },
        () => 3 * hour,
      )()
    expect(await at(2 * hour)).toBe('the oldest queued item is 3 h old (limit 2 h)')
    expect(await at(4 * hour)).toBeUndefined()
    expect(await at(0)).toBeUndefined()
  })
})
