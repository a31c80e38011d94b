import type { Outcome, Pipeline } from '@patchbay/core'
import { expect, it } from 'vitest'
import { createWakeup } from '../src/delivery/_wakeup.ts'
import { startDeliveryWorkers } from '../src/delivery/workers.ts'
import { useStores } from './store/_helpers.ts'

const { open } = useStores()

// The delivery workers hand core the length of each claimed payload's stored text, so that a
// destination's batch byte bound counts it instead of serialising the payload again.
it("passes each claimed job's stored text length to pipeline.deliver, in the jobs' order", async () => {
  const store = open()
  const events = Array.from({ length: 5 }, (_, i) => ({
    type: 'track',
    event: 'Ordered ✓',
    messageId: `m-${i}`,
    properties: { note: 'ü'.repeat(i * 11) },
  }))
  await store.append(
    events.map((event) => ({
      sourceId: 'web',
      messageId: event.messageId,
      event,
      json: JSON.stringify(event),
    })),
  )
  const pending = await store.readPending(10)
  await store.commitProcessed(
    pending.map((e) => e.seq),
    pending.map((e) => ({ destinationId: 'wh', orderKey: null, messageId: e.messageId, eventSeq: e.seq })),
    1000,
  )
  const calls: Array<{ events: readonly unknown[]; sizes?: ReadonlyArray<number | undefined> }> = []
  const pipeline: Pick<Pipeline, 'deliver'> = {
    async deliver(destination, batch, options) {
      calls.push({ events: batch, sizes: options?.sizes })
      return batch.map((_, index): Outcome => ({ index, destination, status: 'delivered' }))
    },
  }
  const count = () => {}
  const workers = startDeliveryWorkers({
    store,
    pipeline,
    destination: { id: 'wh', ordering: 'none' },
    settings: { claim: 10, workers: 1, pollMs: 10 },
    retry: { forMs: 60_000, baseDelayMs: 10, maxDelayMs: 100 },
    counters: { delivered: count, retried: count, aborted: count, dropped: count },
    wakeup: createWakeup(),
    log: () => {},
    now: () => 1000,
  })
  const deadline = Date.now() + 10_000
  while (calls.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
  await workers.stop()
  expect(calls).toHaveLength(1)
  expect(calls[0]!.events.map((e) => (e as { messageId: string }).messageId)).toEqual(
    events.map((e) => e.messageId),
  )
  expect(calls[0]!.sizes).toEqual(events.map((e) => JSON.stringify(e).length))
})
