import { expect, it } from 'vitest'
import type { Store } from '../../src/store/index.ts'
import { describeStores, job, rejected } from './_helpers.ts'

/** Queues jobs (ids 1, 2, ... in this order) at time 1000. */
async function queue(
  store: Store,
  ...jobs: Array<[destination: string, orderKey: string | null, messageId: string]>
) {
  await store.commitProcessed(
    [],
    jobs.map(([destination, key, messageId]) => job(destination, key, messageId)),
    1000,
  )
}

const claimed = async (store: Store, destination: string, ordered: boolean, now = 1000, limit = 10) =>
  (await store.claim(destination, { limit, now, ordered })).map((j) => j.messageId)

describeStores('claim', (stores) => {
  it('unordered: every due job of the destination, oldest first, up to the limit', async () => {
    const store = await stores.open()
    await queue(
      store,
      ['crm', 'u1', 'a'],
      ['crm', 'u1', 'b'],
      ['ads', 'u1', 'x'],
      ['crm', null, 'c'],
      ['crm', 'u2', 'd'],
    )
    expect(await claimed(store, 'crm', false, 1000, 3)).toEqual(['a', 'b', 'c'])
    expect(await claimed(store, 'crm', false)).toEqual(['d'])
    expect(await claimed(store, 'crm', false)).toEqual([])
    expect(await claimed(store, 'ads', false, 999)).toEqual([])
  })

  it('ordered: only the oldest pending job of each key; jobs without a key are never held back', async () => {
    const store = await stores.open()
    await queue(
      store,
      ['crm', 'u1', 'a'],
      ['crm', 'u1', 'b'],
      ['crm', null, 'c'],
      ['crm', null, 'd'],
      ['crm', 'u2', 'e'],
    )
    expect(await claimed(store, 'crm', true)).toEqual(['a', 'c', 'd', 'e'])
    // 'a' is in flight: 'b' waits behind it.
    expect(await claimed(store, 'crm', true)).toEqual([])
    await store.complete([1])
    expect(await claimed(store, 'crm', true)).toEqual(['b'])
  })

  it('ordered: a retrying job holds back its own key only, until it is settled', async () => {
    const store = await stores.open()
    await queue(store, ['crm', 'u1', 'a'], ['crm', 'u1', 'b'], ['crm', 'u2', 'c'], ['crm', 'u2', 'd'])
    const [a] = await store.claim('crm', { limit: 1, now: 1000, ordered: true })
    await store.retry(a!.id, { nextAt: 5000, error: '503 from crm' })

    expect(await claimed(store, 'crm', true, 4999)).toEqual(['c'])
    await store.complete([3])
    expect(await claimed(store, 'crm', true, 4999)).toEqual(['d'])
    // Due again: 'a' comes back, still ahead of 'b'.
    expect(await store.claim('crm', { limit: 10, now: 5000, ordered: true })).toMatchObject([
      { messageId: 'a', state: 'in_flight', attempts: 1, nextAt: 5000, lastError: '503 from crm' },
    ])
    await store.complete([1])
    expect(await claimed(store, 'crm', true, 5000)).toEqual(['b'])
  })

  it('ordered: an aborted job no longer holds back its key', async () => {
    const store = await stores.open()
    await queue(store, ['crm', 'u1', 'a'], ['crm', 'u1', 'b'], ['crm', 'u1', 'c'])
    expect(await claimed(store, 'crm', true)).toEqual(['a'])
    await store.abort(1, { reason: '400 invalid email', now: 1500 })
    expect(await claimed(store, 'crm', true)).toEqual(['b'])
  })

  it('ordered: keys are per destination', async () => {
    const store = await stores.open()
    await queue(store, ['crm', 'u1', 'a'], ['ads', 'u1', 'b'])
    expect(await claimed(store, 'crm', true)).toEqual(['a'])
    expect(await claimed(store, 'ads', true)).toEqual(['b'])
  })

  it('unordered: a job not yet due is skipped while later jobs are claimed', async () => {
    const store = await stores.open()
    await queue(store, ['crm', 'u1', 'a'], ['crm', 'u1', 'b'])
    await store.retry(1, { nextAt: 9000, error: 'timeout' })
    expect(await claimed(store, 'crm', false)).toEqual(['b'])
    expect(await claimed(store, 'crm', false, 9000)).toEqual(['a'])
  })

  it('retry and abort refuse jobs that are gone; complete ignores them', async () => {
    const store = await stores.open()
    await queue(store, ['crm', null, 'a'])
    await store.complete([1, 42])
    expect((await rejected(store.retry(1, { nextAt: 0, error: 'x' }))).message).toBe(
      'retry: job 1 does not exist (it was completed or aborted already)',
    )
    expect((await rejected(store.abort(1, { reason: 'x', now: 0 }))).message).toBe(
      'abort: job 1 does not exist (it was completed or aborted already)',
    )
    expect((await store.stats()).jobs).toEqual({})
  })

  it('jobs in flight when a store goes away are claimed again by the next one, attempts kept', async () => {
    const at = stores.place()
    const first = await stores.open({ at })
    await queue(first, ['crm', 'u1', 'a'], ['crm', 'u1', 'b'], ['ads', null, 'c'], ['ads', null, 'd'])
    const [a] = await first.claim('crm', { limit: 10, now: 1000, ordered: true })
    await first.retry(a!.id, { nextAt: 2000, error: 'timeout' })
    await first.claim('crm', { limit: 10, now: 2000, ordered: true })
    await first.claim('ads', { limit: 1, now: 1000, ordered: false })
    await first.close()

    const next = await stores.open({ at })
    await next.releaseInFlight()
    expect(await next.releaseInFlight()).toBe(0)
    expect((await next.stats()).jobs).toEqual({
      crm: { waiting: 2, in_flight: 0, retrying: 0 },
      ads: { waiting: 2, in_flight: 0, retrying: 0 },
    })
    expect(await next.claim('crm', { limit: 10, now: 2000, ordered: true })).toMatchObject([
      { messageId: 'a', attempts: 1 },
    ])
    expect(await claimed(next, 'ads', false)).toEqual(['c', 'd'])
  })
})
