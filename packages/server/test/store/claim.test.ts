import { describe, expect, it } from 'vitest'
import type { Store } from '../../src/store/index.ts'
import { job, thrown, useStores } from './_helpers.ts'

const { open } = useStores()

/** Queues jobs (ids 1, 2, ... in this order) at time 1000. */
function queue(
  store: Store,
  ...jobs: Array<[destination: string, orderKey: string | null, messageId: string]>
) {
  store.commitProcessed(
    [],
    jobs.map(([destination, key, messageId]) => job(destination, key, messageId)),
    1000,
  )
}

const claimed = (store: Store, destination: string, ordered: boolean, now = 1000, limit = 10) =>
  store.claim(destination, { limit, now, ordered }).map((j) => j.messageId)

describe('claim', () => {
  it('unordered: every due job of the destination, oldest first, up to the limit', () => {
    const store = open()
    queue(
      store,
      ['crm', 'u1', 'a'],
      ['crm', 'u1', 'b'],
      ['ads', 'u1', 'x'],
      ['crm', null, 'c'],
      ['crm', 'u2', 'd'],
    )
    expect(claimed(store, 'crm', false, 1000, 3)).toEqual(['a', 'b', 'c'])
    expect(claimed(store, 'crm', false)).toEqual(['d'])
    expect(claimed(store, 'crm', false)).toEqual([])
    expect(claimed(store, 'ads', false, 999)).toEqual([])
  })

  it('ordered: only the oldest pending job of each key; jobs without a key are never held back', () => {
    const store = open()
    queue(
      store,
      ['crm', 'u1', 'a'],
      ['crm', 'u1', 'b'],
      ['crm', null, 'c'],
      ['crm', null, 'd'],
      ['crm', 'u2', 'e'],
    )
    expect(claimed(store, 'crm', true)).toEqual(['a', 'c', 'd', 'e'])
    // 'a' is in flight: 'b' waits behind it.
    expect(claimed(store, 'crm', true)).toEqual([])
    store.complete([1])
    expect(claimed(store, 'crm', true)).toEqual(['b'])
  })

  it('ordered: a retrying job holds back its own key only, until it is settled', () => {
    const store = open()
    queue(store, ['crm', 'u1', 'a'], ['crm', 'u1', 'b'], ['crm', 'u2', 'c'], ['crm', 'u2', 'd'])
    const [a] = store.claim('crm', { limit: 1, now: 1000, ordered: true })
    store.retry(a!.id, { nextAt: 5000, error: '503 from crm' })

    expect(claimed(store, 'crm', true, 4999)).toEqual(['c'])
    store.complete([3])
    expect(claimed(store, 'crm', true, 4999)).toEqual(['d'])
    // Due again: 'a' comes back, still ahead of 'b'.
    expect(store.claim('crm', { limit: 10, now: 5000, ordered: true })).toMatchObject([
      { messageId: 'a', state: 'in_flight', attempts: 1, nextAt: 5000, lastError: '503 from crm' },
    ])
    store.complete([1])
    expect(claimed(store, 'crm', true, 5000)).toEqual(['b'])
  })

  it('ordered: an aborted job no longer holds back its key', () => {
    const store = open()
    queue(store, ['crm', 'u1', 'a'], ['crm', 'u1', 'b'], ['crm', 'u1', 'c'])
    expect(claimed(store, 'crm', true)).toEqual(['a'])
    store.abort(1, { reason: '400 invalid email', now: 1500 })
    expect(claimed(store, 'crm', true)).toEqual(['b'])
  })

  it('ordered: keys are per destination', () => {
    const store = open()
    queue(store, ['crm', 'u1', 'a'], ['ads', 'u1', 'b'])
    expect(claimed(store, 'crm', true)).toEqual(['a'])
    expect(claimed(store, 'ads', true)).toEqual(['b'])
  })

  it('unordered: a job not yet due is skipped while later jobs are claimed', () => {
    const store = open()
    queue(store, ['crm', 'u1', 'a'], ['crm', 'u1', 'b'])
    store.retry(1, { nextAt: 9000, error: 'timeout' })
    expect(claimed(store, 'crm', false)).toEqual(['b'])
    expect(claimed(store, 'crm', false, 9000)).toEqual(['a'])
  })
})

describe('retry, abort and complete', () => {
  it('refuse jobs that are gone; complete ignores them', () => {
    const store = open()
    queue(store, ['crm', null, 'a'])
    store.complete([1, 42])
    expect(thrown(() => store.retry(1, { nextAt: 0, error: 'x' })).message).toBe(
      'retry: job 1 does not exist (it was completed or aborted already)',
    )
    expect(thrown(() => store.abort(1, { reason: 'x', now: 0 })).message).toBe(
      'abort: job 1 does not exist (it was completed or aborted already)',
    )
    expect(store.stats().jobs).toEqual({})
  })
})

describe('releaseInFlight', () => {
  it('puts every in-flight job back to waiting, keeping attempts, and says how many', () => {
    const store = open()
    queue(store, ['crm', 'u1', 'a'], ['crm', 'u1', 'b'], ['ads', null, 'c'], ['ads', null, 'd'])
    const [a] = store.claim('crm', { limit: 10, now: 1000, ordered: true })
    store.retry(a!.id, { nextAt: 2000, error: 'timeout' })
    store.claim('crm', { limit: 10, now: 2000, ordered: true })
    store.claim('ads', { limit: 1, now: 1000, ordered: false })

    expect(store.releaseInFlight()).toBe(2)
    expect(store.releaseInFlight()).toBe(0)
    expect(store.stats().jobs).toEqual({
      crm: { waiting: 2, in_flight: 0, retrying: 0 },
      ads: { waiting: 2, in_flight: 0, retrying: 0 },
    })
    expect(store.claim('crm', { limit: 10, now: 2000, ordered: true })).toMatchObject([
      { messageId: 'a', attempts: 1 },
    ])
    expect(claimed(store, 'ads', false)).toEqual(['c', 'd'])
  })
})
