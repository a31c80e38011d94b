import type { Outcome } from '@patchbay/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWakeup } from '../../src/delivery/_wakeup.ts'
import { startDeliveryWorkers } from '../../src/delivery/workers.ts'
import { openPostgresStore, type Store } from '../../src/store/index.ts'
import { waitFor } from '../_gateway.ts'
import { job } from './_helpers.ts'
import { createTestDatabase, queryDatabase } from './_postgres.ts'

// A node whose job was taken over by another node (its lease ran out while it could not
// reach the database) must not wait forever to record how its own attempt went: the job is
// gone, and its workers go on with the next jobs.

let database: Awaited<ReturnType<typeof createTestDatabase>>
const stores: Store[] = []
beforeAll(async () => {
  database = await createTestDatabase('pg_takeover')
})
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()))
  await database?.drop()
})

describe('delivery workers on the PostgreSQL store', () => {
  it('drop the retry of a job another node took over and settled, then deliver the user’s next job', async () => {
    const [a, b] = await Promise.all(
      ['node-a', 'node-b'].map((node) => openPostgresStore({ url: database.url, node, poolSize: 2 })),
    )
    stores.push(a!, b!)
    await a!.commitProcessed([], [job('crm', 'u1', 'first'), job('crm', 'u1', 'second')], Date.now())

    let answer!: () => void
    const answered = new Promise<void>((r) => {
      answer = r
    })
    let attempting = false
    const delivered: string[] = []
    const logs: string[] = []
    const workers = startDeliveryWorkers({
      store: a!,
      pipeline: {
        // The destination: the first attempt at `first` hangs until the test answers it, then fails (retryable).
        async deliver(destinationId, events) {
          const ids = events.map((e) => (e as { messageId: string }).messageId)
          if (ids[0] === 'first' && !attempting) {
            attempting = true
            await answered
            return ids.map(
              (messageId, index): Outcome => ({
                index,
                messageId,
                destination: destinationId,
                status: 'failed',
                error: { code: 'PB_HTTP_503', message: 'unavailable', retryable: true },
              }),
            )
          }
          delivered.push(...ids)
          return ids.map(
            (messageId, index): Outcome => ({
              index,
              messageId,
              destination: destinationId,
              status: 'delivered',
            }),
          )
        },
      },
      destination: { id: 'crm', ordering: 'user' },
      settings: { claim: 10, workers: 1, pollMs: 20 },
      retry: { forMs: 60_000, baseDelayMs: 10, maxDelayMs: 20 },
      counters: { delivered() {}, retried() {}, aborted() {}, dropped() {} },
      wakeup: createWakeup(),
      log: (record) => logs.push(record.message),
    })
    try {
      await waitFor(() => attempting, "node-a's attempt at the first job")
      // Meanwhile node-a's lease runs out, and node-b takes the job over and delivers it.
      await queryDatabase(
        database.url,
        "UPDATE patchbay.jobs SET lease_until = now() - interval '1 second' WHERE message_id = 'first'",
      )
      await b!.releaseInFlight()
      const taken = await b!.claim('crm', { limit: 10, now: Date.now(), ordered: true })
      expect(taken.map((j) => j.messageId)).toEqual(['first'])
      await b!.complete([taken[0]!.id])
      answer()
      await waitFor(() => delivered.includes('second'), "the user's next job, delivered by node-a", 5_000)
      expect(delivered).toEqual(['second'])
      expect(logs.some((m) => /found nothing to record: retry: job \d+ does not exist/.test(m))).toBe(true)
    } finally {
      answer()
      await workers.stop()
    }
  })

  it('heldUntil ends when a heartbeat finds a job taken over; release gives back only what the node still holds', async () => {
    // A short lease: node-c's heartbeat runs every 200 ms.
    const c = await openPostgresStore({ url: database.url, node: 'node-c', poolSize: 2, leaseMs: 600 })
    stores.push(c)
    await c.commitProcessed(
      [],
      ['h1', 'h2', 'h3'].map((id) => job('held', null, id)),
      Date.now(),
    )
    const before = performance.now()
    const claimed = await c.claim('held', { limit: 10, now: Date.now(), ordered: false })
    const ids = Object.fromEntries(claimed.map((j) => [j.messageId, j.id]))
    const all = Object.values(ids)
    expect(all).toHaveLength(3)
    // Counted from when the claim was sent, less a margin: never past the lease itself.
    const until = c.heldUntil!(all)
    expect(until).toBeGreaterThan(before)
    expect(until).toBeLessThanOrEqual(performance.now() + 600)
    // Another node takes h1 over (as after c's lease ran out): c's next heartbeat finds it gone.
    await queryDatabase(
      database.url,
      "UPDATE patchbay.jobs SET node = 'node-d', lease_until = now() + interval '1 minute' WHERE message_id = 'h1'",
    )
    await waitFor(
      () => c.heldUntil!([ids.h1!]) === Number.NEGATIVE_INFINITY,
      "node-c's heartbeat losing h1",
      5_000,
    )
    expect(c.heldUntil!(all)).toBe(Number.NEGATIVE_INFINITY)
    // h2 and h3 are still c's, renewed by the heartbeats.
    await waitFor(
      () => c.heldUntil!([ids.h2!, ids.h3!]) > until,
      "node-c's heartbeat renewing h2 and h3",
      5_000,
    )
    expect(await c.release!(all)).toBe(2)
    const { rows } = await queryDatabase(
      database.url,
      "SELECT message_id, state, node, attempts FROM patchbay.jobs WHERE destination_id = 'held' ORDER BY message_id",
    )
    expect(rows).toEqual([
      { message_id: 'h1', state: 'in_flight', node: 'node-d', attempts: 0 },
      { message_id: 'h2', state: 'waiting', node: null, attempts: 0 },
      { message_id: 'h3', state: 'waiting', node: null, attempts: 0 },
    ])
    expect(c.heldUntil!([ids.h2!])).toBe(Number.NEGATIVE_INFINITY)
  })
})
