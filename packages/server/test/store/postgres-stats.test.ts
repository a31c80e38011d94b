import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresStore } from '../../src/store/index.ts'
import { createPool } from '../../src/store/postgres/_pool.ts'
import { createStatsCache, readStats } from '../../src/store/postgres/_stats.ts'
import type { StoreStats } from '../../src/store/store.ts'
import { rejected } from './_helpers.ts'
import { createTestDatabase } from './_postgres.ts'

// The queue counts behind backpressure, /health and /metrics, read from the real database:
// one query per node at most every maxAgeMs however many requests ask, and none of them
// waits for it once a snapshot exists.

let database: Awaited<ReturnType<typeof createTestDatabase>>
let pool: ReturnType<typeof createPool>
beforeAll(async () => {
  database = await createTestDatabase('pg_stats')
  // The schema, and one queued event to count.
  const store = await openPostgresStore({ url: database.url, poolSize: 1 })
  await store.append([
    { sourceId: 'web', messageId: 'm1', event: { type: 'track', event: 'E', messageId: 'm1' } },
  ])
  await store.close()
  pool = createPool({ url: database.url, poolSize: 2 })
})
afterAll(async () => {
  await pool?.end()
  await database?.drop()
})

/** `readStats` on the real pool, counting its calls; `hold()` keeps the next reads waiting until `release()`. */
function countingReader() {
  let gate: Promise<void> | undefined
  let open = () => {}
  const reader = {
    calls: 0,
    fail: false,
    read: async (): Promise<StoreStats> => {
      reader.calls++
      await gate
      if (reader.fail)
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { storeUnavailable: true })
      return readStats(pool)
    },
    hold() {
      gate = new Promise((r) => {
        open = r
      })
    },
    release() {
      gate = undefined
      open()
    },
  }
  return reader
}

describe('the PostgreSQL store queue counts', () => {
  it('are one query for any number of concurrent requests, and none again within maxAgeMs', async () => {
    let clock = 0
    const reader = countingReader()
    const stats = createStatsCache(reader.read, 1_000, () => clock)
    const answers = await Promise.all(Array.from({ length: 50 }, () => stats.get()))
    expect(reader.calls).toBe(1)
    expect(answers[49]!.pendingEvents).toBe(1)
    clock = 999
    await Promise.all(Array.from({ length: 50 }, () => stats.get()))
    expect(reader.calls).toBe(1)
  })

  it('serve a snapshot just past maxAgeMs at once while one refresh runs behind it', async () => {
    let clock = 0
    const reader = countingReader()
    const stats = createStatsCache(reader.read, 1_000, () => clock)
    await stats.get()
    clock = 1_500
    reader.hold() // the database is slow: the refresh does not come back yet
    const served = await Promise.all(Array.from({ length: 20 }, () => stats.get()))
    expect(served.every((s) => s.pendingEvents === 1)).toBe(true)
    expect(reader.calls).toBe(2)
    reader.release()
    await new Promise((r) => setTimeout(r, 50))
    clock = 2_000
    await stats.get()
    expect(reader.calls).toBe(2) // the refresh's snapshot is fresh
  })

  it('do not serve a snapshot older than twice maxAgeMs, nor one whose refresh failed: the caller sees the error', async () => {
    let clock = 0
    const reader = countingReader()
    const stats = createStatsCache(reader.read, 1_000, () => clock)
    await stats.get()
    reader.fail = true
    clock = 2_500
    expect((await rejected(stats.get())).message).toMatch(/ECONNREFUSED/)

    reader.fail = false
    await stats.get()
    clock += 1_200
    reader.fail = true
    await stats.get() // served from the last snapshot; its refresh fails behind it
    await new Promise((r) => setTimeout(r, 20))
    expect((await rejected(stats.get())).message).toMatch(/ECONNREFUSED/)
  })
})
