import { expect, it } from 'vitest'
import type { Store } from '../../src/store/index.ts'
import { describeStores, job, rejected } from './_helpers.ts'

/** Queues jobs (ids 1, 2, ... in this order) at time 1000. */
async function queue(store: Store, ...jobs: Queued[]) {
  await store.commitProcessed(
    [],
    jobs.map(([destination, key, messageId]) => job(destination, key, messageId)),
    1000,
  )
}

const claimed = async (store: Store, destination: string, ordered: boolean, now = 1000, limit = 10) =>
  (await store.claim(destination, { limit, now, ordered })).map((j) => j.messageId)

type Queued = [destination: string, orderKey: string | null, messageId: string]
/** A job of `key` at crm; `n` jobs of `key` (messageIds key0, key1, ...). */
const job1 = (key: string, messageId: string): Queued => ['crm', key, messageId]
const backlog = (key: string, n: number) => Array.from({ length: n }, (_, i) => job1(key, `${key}${i}`))

/** Ordered claims of crm that remember the ids they saw, and completion by messageId. */
function claimer(store: Store) {
  const ids = new Map<string, number>()
  return {
    ids,
    async take(limit: number, now: number) {
      const jobs = await store.claim('crm', { limit, now, ordered: true })
      for (const j of jobs) ids.set(j.messageId, j.id)
      return jobs.map((j) => j.messageId)
    },
    done: (...messageIds: string[]) => store.complete(messageIds.map((m) => ids.get(m)!)),
  }
}

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

  it("ordered: a hot user's backlog waits behind its head (in flight, then retrying) while many other users go oldest first", async () => {
    const store = await stores.open()
    // 30 jobs of one user ahead of everyone else's: with claims of 1 to 3 jobs, the oldest due
    // jobs are that user's backlog, and each claim has to look past it for the others.
    const others = ['a', 'b', 'c', 'd', 'e']
    await queue(
      store,
      ...backlog('hot', 30),
      ...others.map((k) => job1(k, `${k}1`)),
      ['crm', null, 'x'],
      ...others.map((k) => job1(k, `${k}2`)),
    )
    const { take, done, ids } = claimer(store)

    expect(await take(1, 1000)).toEqual(['hot0'])
    // hot0 is in flight: none of hot1..hot29 moves, the other users' first jobs do, in order.
    expect(await take(3, 1000)).toEqual(['a1', 'b1', 'c1'])
    await store.retry(ids.get('hot0')!, { nextAt: 5000, error: '503' })
    // hot0 waits for its retry: it still holds the backlog; a job without a key is never held back.
    expect(await take(3, 1000)).toEqual(['d1', 'e1', 'x'])
    expect(await take(3, 1000)).toEqual([])
    await done('a1', 'b1', 'c1', 'd1', 'e1', 'x')
    // hot0 is due at 5000: after the others' jobs (due at 1000), and before its own backlog
    // although that backlog comes first by due time.
    expect(await take(3, 5000)).toEqual(['a2', 'b2', 'c2'])
    expect(await take(3, 5000)).toEqual(['d2', 'e2', 'hot0'])
    expect(await take(3, 5000)).toEqual([])
    await done('a2', 'b2', 'c2', 'd2', 'e2', 'hot0')
    expect(await take(3, 5000)).toEqual(['hot1'])
    expect((await store.stats()).jobs.crm).toEqual({ waiting: 28, in_flight: 1, retrying: 0 })
  })

  it("ordered: with fewer users than a claim takes, a hot user's backlog still waits behind its head", async () => {
    const store = await stores.open()
    // Ids: hot0..hot29 1-30, f1 31, g1 32, f2 33, g2 34, f3 35, g3 36, y (no key) 37.
    await queue(store, ...backlog('hot', 30), job1('f', 'f1'), job1('g', 'g1'), job1('f', 'f2'))
    await queue(store, job1('g', 'g2'), job1('f', 'f3'), job1('g', 'g3'), ['crm', null, 'y'])
    const { take, done, ids } = claimer(store)

    expect(await take(3, 1000)).toEqual(['hot0', 'f1', 'g1'])
    expect(await take(3, 1000)).toEqual(['y'])
    expect(await take(3, 1000)).toEqual([])
    await done('f1')
    await store.retry(ids.get('g1')!, { nextAt: 5000, error: '503' })
    expect(await take(3, 1000)).toEqual(['f2'])
    await done('hot0')
    // The next job of the hot user comes next; g1 still waits for its retry, f2 is in flight.
    expect(await take(3, 1000)).toEqual(['hot1'])
    expect(await take(3, 4999)).toEqual([])
    expect(await take(3, 5000)).toEqual(['g1'])
    await done('f2', 'g1')
    expect(await take(3, 5000)).toEqual(['g2', 'f3'])
    await store.retry(ids.get('hot1')!, { nextAt: 9000, error: '503' })
    await done('g2', 'f3')
    expect(await take(3, 8999)).toEqual(['g3'])
    // hot1, due again, before hot2..hot29 (due since 1000).
    expect(await take(3, 9000)).toEqual(['hot1'])
    await done('g3', 'hot1')
    expect(await take(3, 9000)).toEqual(['hot2'])
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
