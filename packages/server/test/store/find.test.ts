import { expect, it } from 'vitest'
import type { IncomingEvent, NewJob, Store, StoredMatch } from '../../src/store/index.ts'
import { describeStores } from './_helpers.ts'

// `Store.find`: an event by messageId or user wherever the store holds it (pending, queued,
// retrying, dead letter), newest first, bounded.

const incoming = (messageId: string, user: { userId?: string; anonymousId?: string }): IncomingEvent => ({
  sourceId: 'web',
  messageId,
  event: { type: 'track', event: 'Bought', messageId, ...user },
})

/** What a test compares: state, where, and the identifiers. */
const brief = (m: StoredMatch) => [m.state, m.destinationId ?? null, m.messageId, m.attempts]

/**
 * m-1 (u1) pending; m-2 (u1) processed into a job at crm referencing the stored event and a
 * transformed job at ads (retrying); m-3 (anonymous a-9) a dead letter at crm.
 */
async function fill(store: Store): Promise<void> {
  await store.append([incoming('m-2', { userId: 'u1' }), incoming('m-3', { anonymousId: 'a-9' })])
  const [two, three] = await store.readPending(10)
  const jobs: NewJob[] = [
    { destinationId: 'crm', orderKey: null, messageId: 'm-2', eventSeq: two!.seq },
    {
      destinationId: 'ads',
      orderKey: null,
      messageId: 'm-2',
      payload: { ...(two!.event as object), userId: 'u1', properties: { changed: true } },
    },
    { destinationId: 'crm', orderKey: null, messageId: 'm-3', eventSeq: three!.seq },
  ]
  await store.commitProcessed([two!.seq, three!.seq], jobs, 1000)
  const ads = await store.claim('ads', { limit: 10, now: 1000, ordered: false })
  await store.retry(ads[0]!.id, { nextAt: 5000, error: '503 Service Unavailable' })
  const crm = await store.claim('crm', { limit: 10, now: 1000, ordered: false })
  await store.abort(crm.find((j) => j.messageId === 'm-3')!.id, { reason: '400 bad email', now: 2000 })
  await store.append([incoming('m-1', { userId: 'u1' })])
}

describeStores('find', (stores) => {
  it('finds an event by messageId in every state it is in, with attempts, next retry and error', async () => {
    const store = await stores.open()
    await fill(store)
    const two = await store.find({ messageId: 'm-2', limit: 10 })
    expect(two.complete).toBe(true)
    expect(two.matches.map(brief)).toEqual([
      ['retrying', 'ads', 'm-2', 1],
      ['in_flight', 'crm', 'm-2', 0],
    ])
    const retrying = two.matches[0]!
    expect(retrying).toMatchObject({ nextAt: 5000, error: '503 Service Unavailable', at: 1000 })
    // The transformed job carries its own event; the other reads the stored one, with its source.
    expect(retrying.event).toMatchObject({ properties: { changed: true } })
    expect(two.matches[1]).toMatchObject({ sourceId: 'web', event: { messageId: 'm-2', userId: 'u1' } })

    expect((await store.find({ messageId: 'm-1', limit: 10 })).matches).toEqual([
      expect.objectContaining({ state: 'pending', messageId: 'm-1', sourceId: 'web', attempts: 0, at: 1000 }),
    ])
    expect((await store.find({ messageId: 'm-3', limit: 10 })).matches).toEqual([
      expect.objectContaining({
        state: 'dead_letter',
        destinationId: 'crm',
        error: '400 bad email',
        attempts: 1,
        at: 2000,
        event: expect.objectContaining({ anonymousId: 'a-9' }),
      }),
    ])
    expect(await store.find({ messageId: 'nope', limit: 10 })).toEqual({ matches: [], complete: true })
  })

  it("finds a user's events by userId or anonymousId: pending events, jobs and dead letters", async () => {
    const store = await stores.open()
    await fill(store)
    expect((await store.find({ user: 'u1', limit: 10 })).matches.map(brief)).toEqual([
      ['pending', null, 'm-1', 0],
      ['retrying', 'ads', 'm-2', 1],
      ['in_flight', 'crm', 'm-2', 0],
    ])
    expect((await store.find({ user: 'a-9', limit: 10 })).matches.map(brief)).toEqual([
      ['dead_letter', 'crm', 'm-3', 1],
    ])
  })

  it('takes values as parameters, never as SQL', async () => {
    const store = await stores.open()
    await fill(store)
    for (const value of ["' OR '1'='1", "m-2' --", '"; DROP TABLE jobs; --', '%', '$.userId'])
      expect(await store.find({ messageId: value, user: value, limit: 10 })).toEqual({
        matches: [],
        complete: true,
      })
    expect((await store.find({ messageId: 'm-2', limit: 10 })).matches).toHaveLength(2)
  })

  it('answers hostile values with no match and no error (a deterministic fuzz)', async () => {
    const store = await stores.open()
    await fill(store)
    const pieces = [
      "'",
      '"',
      '\\',
      '\u0000',
      '%',
      '_',
      '$.',
      '->>',
      ';',
      '--',
      '/*',
      'é',
      '😀',
      '\uD800',
      ' ',
      'u1',
      'm-2',
    ]
    let seed = 7
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed
    }
    for (let i = 0; i < 60; i++) {
      const value = Array.from({ length: 1 + (next() % 6) }, () => pieces[next() % pieces.length]).join('')
      const found = await store.find({ messageId: value, user: value, limit: 10 })
      if (value !== 'u1' && value !== 'm-2') expect([value, found.matches]).toEqual([value, []])
    }
  })

  it('reads newest first in chunks, and stops at its limit of matches and of rows scanned', async () => {
    const store = await stores.open()
    // 4,500 jobs: more than two chunks. The oldest is the one looked for.
    const jobs: NewJob[] = Array.from({ length: 4_500 }, (_, i) => ({
      destinationId: 'crm',
      orderKey: null,
      messageId: `bulk-${i}`,
      payload: { type: 'track', messageId: `bulk-${i}`, userId: i % 2 === 0 ? 'even' : 'odd' },
    }))
    await store.commitProcessed([], jobs, 1000)
    expect((await store.find({ messageId: 'bulk-0', limit: 10 })).matches.map((m) => m.messageId)).toEqual([
      'bulk-0',
    ])
    const bounded = await store.find({ messageId: 'bulk-0', limit: 10, scan: 1_000 })
    expect(bounded).toEqual({ matches: [], complete: false })
    const even = await store.find({ user: 'even', limit: 3 })
    expect(even.matches.map((m) => m.messageId)).toEqual(['bulk-4498', 'bulk-4496', 'bulk-4494'])
    expect(even.complete).toBe(false)
    await expect(store.find({ limit: 10 })).rejects.toThrow('find needs a messageId or a user')
  })
})
