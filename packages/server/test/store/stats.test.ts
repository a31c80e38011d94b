import { expect, it } from 'vitest'
import type { Store } from '../../src/store/index.ts'
import { describeStores, event, job } from './_helpers.ts'

describeStores('stats', (stores) => {
  it('stay in step with the database through every operation, and after a reopen', async () => {
    const at = stores.place()
    let clock = 1000
    let store: Store = await stores.open({ at, now: () => clock })
    const inStep = async () => expect(await store.stats()).toEqual(await stores.recount(at))

    expect(await store.stats()).toEqual({
      pendingEvents: 0,
      jobs: {},
      deadLetters: {},
      oldestPendingAt: null,
    })
    await Promise.all([store.append([event('m1'), event('m2')]), store.append([event('m3')])])
    await inStep()
    clock = 1100
    await store.append([event('m4')])
    await inStep()
    expect(await store.stats()).toMatchObject({ pendingEvents: 4, oldestPendingAt: 1000 })

    const [e1, e2, e3] = await store.readPending(3)
    await store.commitProcessed(
      [e1!.seq, e2!.seq, e3!.seq],
      [job('crm', 'u1', 'm1'), job('crm', 'u1', 'm2'), job('crm', null, 'm3'), job('ads', null, 'm1')],
      2000,
    )
    await inStep()
    expect(await store.stats()).toMatchObject({ pendingEvents: 1, oldestPendingAt: 1100 })

    const [m1, m3] = await store.claim('crm', { limit: 10, now: 2000, ordered: true })
    await inStep()
    await store.retry(m1!.id, { nextAt: 3000, error: '503' })
    await inStep()
    await store.complete([m3!.id])
    await inStep()
    await store.claim('crm', { limit: 10, now: 3000, ordered: true })
    await store.abort(m1!.id, { reason: '400', now: 3000 })
    await inStep()
    await store.claim('ads', { limit: 10, now: 3000, ordered: false })
    await store.claim('crm', { limit: 10, now: 3000, ordered: true })
    await inStep()
    // The store goes away with two jobs in flight; the next one delivers them again.
    await store.close()
    store = await stores.open({ at, now: () => clock })
    await store.releaseInFlight()
    await inStep()
    expect(await store.deadLetters.replay({ destinationId: 'crm' }, 4000)).toBe(1)
    await inStep()
    const [again] = await store.claim('crm', { limit: 1, now: 4000, ordered: false })
    await store.abort(again!.id, { reason: '400 again', now: 4000 })
    await inStep()

    const before = await store.stats()
    expect(before).toEqual({
      pendingEvents: 1,
      jobs: {
        crm: { waiting: 1, in_flight: 0, retrying: 0 },
        ads: { waiting: 1, in_flight: 0, retrying: 0 },
      },
      deadLetters: { crm: 1 },
      oldestPendingAt: 1100,
    })
    expect(await store.deadLetters.purge({ destinationId: 'crm' })).toBe(1)
    await inStep()
    await store.close()

    const reopened = await stores.open({ at })
    expect(await reopened.stats()).toEqual({ ...before, deadLetters: {} })
    expect(await reopened.stats()).toEqual(await stores.recount(at))
  })
})
