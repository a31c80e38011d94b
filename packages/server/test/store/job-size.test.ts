import { expect, it } from 'vitest'
import type { Job, Store } from '../../src/store/index.ts'
import { describeStores } from './_helpers.ts'

// A claimed job carries the length of its payload's stored JSON text (`size`), which the
// delivery workers hand to core so that batch byte bounds need not serialise the payload.
// It must be exactly the length of that payload as JSON, however the store got the payload:
// kept from ingest, read back from the row, or a transformed payload of the job's own.

const ingested = (i: number) => ({
  type: 'track',
  event: i % 2 === 0 ? 'Café visité ✓' : 'Order Completed',
  messageId: `m-${i}`,
  userId: `u-${i}`,
  properties: { note: 'é'.repeat(i * 7), emoji: '👍'.repeat(i), total: i / 10 },
})

/** Appends two events as ingest does (with their JSON) and one without; queues their jobs. */
async function fill(store: Store) {
  const events = [0, 1, 2].map(ingested)
  await store.append(
    events.map((event, i) => ({
      sourceId: 'web',
      messageId: event.messageId,
      event,
      ...(i < 2 ? { json: JSON.stringify(event) } : {}),
    })),
  )
  const pending = await store.readPending(10)
  await store.commitProcessed(
    pending.map((e) => e.seq),
    [
      ...pending.map((e) => ({
        destinationId: 'crm',
        orderKey: null,
        messageId: e.messageId,
        eventSeq: e.seq,
      })),
      // A payload of its own, as a transformation makes.
      {
        destinationId: 'crm',
        orderKey: null,
        messageId: 'm-t',
        payload: { ...ingested(3), context: { tag: 'ünïcödé' } },
      },
    ],
    1000,
  )
}

const sizes = (jobs: Job[]) => jobs.map((job) => [job.messageId, job.size])
const lengths = (jobs: Job[]) => jobs.map((job) => [job.messageId, JSON.stringify(job.payload).length])

describeStores('job-size', (stores) => {
  it("a claimed job's size is its payload's JSON length, kept or read back", async () => {
    const store = await stores.open()
    await fill(store)
    const jobs = await store.claim('crm', { limit: 10, now: 1000, ordered: false })
    expect(jobs.map((job) => job.messageId)).toEqual(['m-0', 'm-1', 'm-2', 'm-t'])
    expect(sizes(jobs)).toEqual(lengths(jobs))
  })

  it('and so after a restart, when every payload is read from its text', async () => {
    const at = stores.place()
    const first = await stores.open({ at })
    await fill(first)
    await first.close()
    const next = await stores.open({ at })
    await next.releaseInFlight()
    const jobs = await next.claim('crm', { limit: 10, now: 1000, ordered: false })
    expect(jobs).toHaveLength(4)
    expect(sizes(jobs)).toEqual(lengths(jobs))
  })
})
