import { expect, it } from 'vitest'
import type { Store } from '../../src/store/index.ts'
import { describeStores, job, rejected } from './_helpers.ts'

/** Queues one job per message id at time 1000, claims and aborts them all at 3000 (dead letters 1, 2, ...). */
async function bury(store: Store, destinationId: string, orderKey: string | null, ...messageIds: string[]) {
  await store.commitProcessed(
    [],
    messageIds.map((id) => job(destinationId, orderKey, id)),
    1000,
  )
  for (const claimed of await store.claim(destinationId, { limit: 100, now: 1000, ordered: false }))
    await store.abort(claimed.id, { reason: `rejected ${claimed.messageId}`, now: 3000 })
}

describeStores('dead_letters', (stores) => {
  it('abort keeps the job with its reason, attempts and times', async () => {
    const store = await stores.open()
    await store.commitProcessed([], [job('crm', 'u1', 'a')], 1000)
    const [a] = await store.claim('crm', { limit: 1, now: 1000, ordered: true })
    await store.retry(a!.id, { nextAt: 2000, error: '503' })
    await store.claim('crm', { limit: 1, now: 2000, ordered: true })
    await store.abort(a!.id, { reason: '400 invalid email', now: 2500 })

    expect(await store.deadLetters.get(1)).toEqual({
      id: 1,
      destinationId: 'crm',
      orderKey: 'u1',
      messageId: 'a',
      payload: { messageId: 'a' },
      attempts: 2,
      reason: '400 invalid email',
      createdAt: 1000,
      abortedAt: 2500,
      step: 'delivery',
    })
    expect(await store.deadLetters.get(2)).toBeUndefined()
  })

  it('lists oldest first, per destination, page by page; counts without counting rows', async () => {
    const store = await stores.open()
    await bury(store, 'crm', null, 'a', 'b', 'c')
    await bury(store, 'ads', null, 'x')
    const ids = (list: Array<{ id: number }>) => list.map((d) => d.id)

    expect(ids(await store.deadLetters.list())).toEqual([1, 2, 3, 4])
    expect(ids(await store.deadLetters.list({ destinationId: 'crm', limit: 2 }))).toEqual([1, 2])
    expect(ids(await store.deadLetters.list({ destinationId: 'crm', limit: 2, afterId: 2 }))).toEqual([3])
    expect(ids(await store.deadLetters.list({ afterId: 3 }))).toEqual([4])
    expect(await store.deadLetters.list({ destinationId: 'none' })).toEqual([])
    expect([
      await store.deadLetters.count(),
      await store.deadLetters.count('crm'),
      await store.deadLetters.count('none'),
    ]).toEqual([4, 3, 0])
  })

  it('replay queues them again as fresh jobs, keeping the order key, behind that key’s queued jobs', async () => {
    const store = await stores.open()
    await bury(store, 'crm', 'u1', 'a', 'b')
    await store.commitProcessed([], [job('crm', 'u1', 'c')], 4000)

    expect(await store.deadLetters.replay({ destinationId: 'crm' }, 5000)).toBe(2)
    expect(await store.deadLetters.count()).toBe(0)
    const order: string[] = []
    for (let round = 0; round < 4; round++)
      for (const next of await store.claim('crm', { limit: 10, now: 5000, ordered: true })) {
        order.push(next.messageId)
        await store.complete([next.id])
        if (next.messageId === 'a')
          expect(next).toMatchObject({ orderKey: 'u1', attempts: 0, nextAt: 5000, createdAt: 5000 })
      }
    expect(order).toEqual(['c', 'a', 'b'])
  })

  it('replay and purge select by ids, by destination, or both', async () => {
    const store = await stores.open()
    await bury(store, 'crm', null, 'a', 'b', 'c')
    await bury(store, 'ads', null, 'x', 'y')
    const left = async () => (await store.deadLetters.list()).map((d) => d.messageId)

    expect(await store.deadLetters.replay({ ids: [2, 99] }, 5000)).toBe(1)
    expect(await left()).toEqual(['a', 'c', 'x', 'y'])
    expect(await store.deadLetters.purge({ ids: [1, 4], destinationId: 'ads' })).toBe(1)
    expect(await left()).toEqual(['a', 'c', 'y'])
    expect(await store.deadLetters.purge({ destinationId: 'crm' })).toBe(2)
    expect(await left()).toEqual(['y'])
    expect(await store.stats()).toMatchObject({ deadLetters: { ads: 1 }, jobs: { crm: { waiting: 1 } } })
  })

  it('refuse an empty selector rather than touch every dead letter', async () => {
    const store = await stores.open()
    await bury(store, 'crm', null, 'a')
    expect((await rejected(store.deadLetters.purge({}))).message).toBe(
      'deadLetters.purge needs ids, a destinationId or both; to purge every dead letter, call it per destination',
    )
    expect((await rejected(store.deadLetters.replay({}, 0))).message).toContain(
      'deadLetters.replay needs ids',
    )
    expect(await store.deadLetters.count()).toBe(1)
  })
})
