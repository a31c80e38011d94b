import { describe, expect, it } from 'vitest'
import { event, job, recount, useStores } from './_helpers.ts'

const { open, tempDir } = useStores()

describe('stats', () => {
  it('stay in step with the database through every operation, and after a reopen', async () => {
    const dir = tempDir()
    let clock = 1000
    const store = open({ dir, now: () => clock })
    const inStep = () => expect(store.stats()).toEqual(recount(dir))

    expect(store.stats()).toEqual({ pendingEvents: 0, jobs: {}, deadLetters: {}, oldestPendingAt: null })
    await Promise.all([store.append([event('m1'), event('m2')]), store.append([event('m3')])])
    inStep()
    clock = 1100
    await store.append([event('m4')])
    inStep()
    expect(store.stats()).toMatchObject({ pendingEvents: 4, oldestPendingAt: 1000 })

    const [e1, e2, e3] = store.readPending(3)
    store.commitProcessed(
      [e1!.seq, e2!.seq, e3!.seq],
      [job('crm', 'u1', 'm1'), job('crm', 'u1', 'm2'), job('crm', null, 'm3'), job('ads', null, 'm1')],
      2000,
    )
    inStep()
    expect(store.stats()).toMatchObject({ pendingEvents: 1, oldestPendingAt: 1100 })

    const [m1, m3] = store.claim('crm', { limit: 10, now: 2000, ordered: true })
    inStep()
    store.retry(m1!.id, { nextAt: 3000, error: '503' })
    inStep()
    store.complete([m3!.id])
    inStep()
    store.claim('crm', { limit: 10, now: 3000, ordered: true })
    store.abort(m1!.id, { reason: '400', now: 3000 })
    inStep()
    store.claim('ads', { limit: 10, now: 3000, ordered: false })
    store.claim('crm', { limit: 10, now: 3000, ordered: true })
    inStep()
    expect(store.releaseInFlight()).toBe(2)
    inStep()
    expect(store.deadLetters.replay({ destinationId: 'crm' }, 4000)).toBe(1)
    inStep()
    const [again] = store.claim('crm', { limit: 1, now: 4000, ordered: false })
    store.abort(again!.id, { reason: '400 again', now: 4000 })
    inStep()

    const before = store.stats()
    expect(before).toEqual({
      pendingEvents: 1,
      jobs: {
        crm: { waiting: 1, in_flight: 0, retrying: 0 },
        ads: { waiting: 1, in_flight: 0, retrying: 0 },
      },
      deadLetters: { crm: 1 },
      oldestPendingAt: 1100,
    })
    expect(store.deadLetters.purge({ destinationId: 'crm' })).toBe(1)
    inStep()
    await store.close()

    const reopened = open({ dir })
    expect(reopened.stats()).toEqual({ ...before, deadLetters: {} })
    expect(reopened.stats()).toEqual(recount(dir))
  })
})
