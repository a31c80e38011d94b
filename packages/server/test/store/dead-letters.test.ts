import { describe, expect, it } from 'vitest'
import type { Store } from '../../src/store/index.ts'
import { job, thrown, useStores } from './_helpers.ts'

const { open } = useStores()

/** Queues one job per message id at time 1000, claims and aborts them all at 3000 (dead letters 1, 2, ...). */
function bury(store: Store, destinationId: string, orderKey: string | null, ...messageIds: string[]) {
  store.commitProcessed(
    [],
    messageIds.map((id) => job(destinationId, orderKey, id)),
    1000,
  )
  for (const claimed of store.claim(destinationId, { limit: 100, now: 1000, ordered: false }))
    store.abort(claimed.id, { reason: `rejected ${claimed.messageId}`, now: 3000 })
}

describe('dead letters', () => {
  it('abort keeps the job with its reason, attempts and times', () => {
    const store = open()
    store.commitProcessed([], [job('crm', 'u1', 'a')], 1000)
    const [a] = store.claim('crm', { limit: 1, now: 1000, ordered: true })
    store.retry(a!.id, { nextAt: 2000, error: '503' })
    store.claim('crm', { limit: 1, now: 2000, ordered: true })
    store.abort(a!.id, { reason: '400 invalid email', now: 2500 })

    expect(store.deadLetters.get(1)).toEqual({
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
    expect(store.deadLetters.get(2)).toBeUndefined()
  })

  it('lists oldest first, per destination, page by page; counts from memory', () => {
    const store = open()
    bury(store, 'crm', null, 'a', 'b', 'c')
    bury(store, 'ads', null, 'x')
    const ids = (list: Array<{ id: number }>) => list.map((d) => d.id)

    expect(ids(store.deadLetters.list())).toEqual([1, 2, 3, 4])
    expect(ids(store.deadLetters.list({ destinationId: 'crm', limit: 2 }))).toEqual([1, 2])
    expect(ids(store.deadLetters.list({ destinationId: 'crm', limit: 2, afterId: 2 }))).toEqual([3])
    expect(ids(store.deadLetters.list({ afterId: 3 }))).toEqual([4])
    expect(store.deadLetters.list({ destinationId: 'none' })).toEqual([])
    expect([
      store.deadLetters.count(),
      store.deadLetters.count('crm'),
      store.deadLetters.count('none'),
    ]).toEqual([4, 3, 0])
  })

  it('replay queues them again as fresh jobs, keeping the order key, behind that key’s queued jobs', () => {
    const store = open()
    bury(store, 'crm', 'u1', 'a', 'b')
    store.commitProcessed([], [job('crm', 'u1', 'c')], 4000)

    expect(store.deadLetters.replay({ destinationId: 'crm' }, 5000)).toBe(2)
    expect(store.deadLetters.count()).toBe(0)
    const order: string[] = []
    for (let round = 0; round < 4; round++)
      for (const next of store.claim('crm', { limit: 10, now: 5000, ordered: true })) {
        order.push(next.messageId)
        store.complete([next.id])
        if (next.messageId === 'a')
          expect(next).toMatchObject({ orderKey: 'u1', attempts: 0, nextAt: 5000, createdAt: 5000 })
      }
    expect(order).toEqual(['c', 'a', 'b'])
  })

  it('replay and purge select by ids, by destination, or both', () => {
    const store = open()
    bury(store, 'crm', null, 'a', 'b', 'c')
    bury(store, 'ads', null, 'x', 'y')
    const left = () => store.deadLetters.list().map((d) => d.messageId)

    expect(store.deadLetters.replay({ ids: [2, 99] }, 5000)).toBe(1)
    expect(left()).toEqual(['a', 'c', 'x', 'y'])
    expect(store.deadLetters.purge({ ids: [1, 4], destinationId: 'ads' })).toBe(1)
    expect(left()).toEqual(['a', 'c', 'y'])
    expect(store.deadLetters.purge({ destinationId: 'crm' })).toBe(2)
    expect(left()).toEqual(['y'])
    expect(store.stats()).toMatchObject({ deadLetters: { ads: 1 }, jobs: { crm: { waiting: 1 } } })
  })

  it('refuse an empty selector rather than touch every dead letter', () => {
    const store = open()
    bury(store, 'crm', null, 'a')
    expect(thrown(() => store.deadLetters.purge({})).message).toBe(
      'deadLetters.purge needs ids, a destinationId or both; to purge every dead letter, call it per destination',
    )
    expect(thrown(() => store.deadLetters.replay({}, 0)).message).toContain('deadLetters.replay needs ids')
    expect(store.deadLetters.count()).toBe(1)
  })
})
