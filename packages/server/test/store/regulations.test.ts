import { expect, it } from 'vitest'
import type { NewJob, Store } from '../../src/store/index.ts'
import { describeStores } from './_helpers.ts'

const userJob = (destinationId: string, messageId: string, payload: Record<string, unknown>): NewJob => ({
  destinationId,
  orderKey: (payload.userId as string) ?? null,
  messageId,
  payload: { type: 'track', messageId, ...payload },
})

async function buryOne(
  store: Store,
  destinationId: string,
  messageId: string,
  payload: Record<string, unknown>,
) {
  await store.commitProcessed([], [userJob(destinationId, messageId, payload)], 1000)
  const [claimed] = await store.claim(destinationId, { limit: 1, now: 1000, ordered: false })
  await store.abort(claimed!.id, { reason: 'rejected', now: 1500 })
}

describeStores('regulations', (stores) => {
  it('creating one purges the queued jobs and dead letters of its identifiers, and nothing else', async () => {
    const store = await stores.open()
    await buryOne(store, 'crm', 'dead-u1', { userId: 'u1' })
    await buryOne(store, 'crm', 'dead-u2', { userId: 'u2' })
    await buryOne(store, 'ads', 'dead-email', { anonymousId: 'a9', context: { traits: { email: 'x@y.z' } } })
    await store.commitProcessed(
      [],
      [
        userJob('crm', 'q-u1', { userId: 'u1' }),
        userJob('crm', 'q-u2', { userId: 'u2' }),
        userJob('ads', 'q-anon', { anonymousId: 'a1' }),
        userJob('ads', 'q-email', { traits: { email: 'x@y.z' } }),
      ],
      2000,
    )
    // An event referenced by a job (stored once), unchanged by the transformations.
    await store.append([
      { sourceId: 'web', messageId: 'ref-u1', event: { type: 'track', messageId: 'ref-u1', userId: 'u1' } },
    ])
    const [pending] = await store.readPending(10)
    await store.commitProcessed(
      [pending!.seq],
      [{ destinationId: 'crm', orderKey: 'u1', messageId: 'ref-u1', eventSeq: pending!.seq }],
      2000,
    )

    const regulation = await store.regulations.create(
      {
        type: 'suppress_with_delete',
        identifiers: [
          { type: 'userId', value: 'u1' },
          { type: 'anonymousId', value: 'a1' },
          { type: 'email', value: 'x@y.z' },
        ],
        deleteAt: ['crm'],
        cannotDelete: ['ads'],
      },
      3000,
    )
    expect(regulation).toMatchObject({
      id: 1,
      type: 'suppress_with_delete',
      createdAt: 3000,
      removedAt: null,
      purged: { jobs: 4, deadLetters: 2 },
      deletions: [
        { destinationId: 'crm', status: 'pending', attempts: 0, reason: null },
        { destinationId: 'ads', status: 'unsupported' },
      ],
    })
    const left = [
      ...(await store.claim('crm', { limit: 10, now: 9999, ordered: false })),
      ...(await store.claim('ads', { limit: 10, now: 9999, ordered: false })),
    ].map((j) => j.messageId)
    expect(left).toEqual(['q-u2'])
    expect((await store.deadLetters.list()).map((d) => d.messageId)).toEqual(['dead-u2'])
    expect(await store.stats()).toMatchObject({ deadLetters: { crm: 1 }, jobs: { crm: { in_flight: 1 } } })
  })

  it('keeps the identifiers in force until removed; the record stays for the audit trail', async () => {
    const store = await stores.open()
    const v0 = await store.regulations.version()
    const a = await store.regulations.create(
      { type: 'suppress', identifiers: [{ type: 'userId', value: 'u1' }], deleteAt: [], cannotDelete: [] },
      1000,
    )
    await store.regulations.create(
      { type: 'suppress', identifiers: [{ type: 'email', value: 'x@y.z' }], deleteAt: [], cannotDelete: [] },
      1100,
    )
    const v2 = await store.regulations.version()
    expect(v2).toBeGreaterThan(v0)
    const { identifiers } = await store.regulations.suppressed()
    expect(identifiers.map((i) => `${i.type}=${i.value}`).sort()).toEqual(['email=x@y.z', 'userId=u1'])

    expect(await store.regulations.remove(a.id, 2000)).toBe(true)
    expect(await store.regulations.remove(a.id, 2001)).toBe(false)
    expect(await store.regulations.remove(99, 2001)).toBe(false)
    expect(await store.regulations.version()).toBeGreaterThan(v2)
    expect((await store.regulations.suppressed()).identifiers).toEqual([{ type: 'email', value: 'x@y.z' }])
    expect((await store.regulations.list()).map((r) => [r.id, r.removedAt])).toEqual([
      [2, null],
      [1, 2000],
    ])
    expect((await store.regulations.list({ includeRemoved: false })).map((r) => r.id)).toEqual([2])
    expect(await store.regulations.get(1)).toMatchObject({ identifiers: [{ type: 'userId', value: 'u1' }] })
  })

  it('deletion jobs: claimed with a lease, retried, done or failed with a reason', async () => {
    const store = await stores.open()
    await store.regulations.create(
      {
        type: 'suppress_with_delete',
        identifiers: [{ type: 'userId', value: 'u1' }],
        deleteAt: ['crm', 'hook'],
        cannotDelete: [],
      },
      1000,
    )
    const claimed = await store.regulations.claimDeletions({ limit: 10, now: 1000, leaseMs: 500 })
    expect(claimed.map((d) => [d.destinationId, d.identifiers])).toEqual([
      ['crm', [{ type: 'userId', value: 'u1' }]],
      ['hook', [{ type: 'userId', value: 'u1' }]],
    ])
    // Leased: nobody else takes them until the lease ends.
    expect(await store.regulations.claimDeletions({ limit: 10, now: 1400, leaseMs: 500 })).toEqual([])
    await store.regulations.settleDeletion(
      claimed[0]!.id,
      { status: 'retry', nextAt: 2000, error: 'PB_HTTP_503: down' },
      1100,
    )
    await store.regulations.settleDeletion(claimed[1]!.id, { status: 'done' }, 1100)
    expect(await store.regulations.claimDeletions({ limit: 10, now: 1999, leaseMs: 500 })).toEqual([])
    const again = await store.regulations.claimDeletions({ limit: 10, now: 2000, leaseMs: 500 })
    expect(again.map((d) => [d.destinationId, d.attempts])).toEqual([['crm', 1]])
    await store.regulations.settleDeletion(
      again[0]!.id,
      { status: 'failed', reason: 'PB_HTTP_400: bad' },
      2100,
    )
    expect(
      (await store.regulations.get(1))!.deletions.map((d) => [
        d.destinationId,
        d.status,
        d.attempts,
        d.reason,
      ]),
    ).toEqual([
      ['crm', 'failed', 2, 'PB_HTTP_400: bad'],
      ['hook', 'done', 1, null],
    ])
  })

  it('survives reopening', async () => {
    const at = stores.place()
    const first = await stores.open({ at })
    await first.regulations.create(
      {
        type: 'suppress_with_delete',
        identifiers: [{ type: 'userId', value: 'u1' }],
        deleteAt: ['crm'],
        cannotDelete: [],
      },
      1000,
    )
    await first.regulations.claimDeletions({ limit: 10, now: 1000, leaseMs: 60_000 })
    await first.close()
    const second = await stores.open({ at })
    expect((await second.regulations.suppressed()).identifiers).toEqual([{ type: 'userId', value: 'u1' }])
    // A single-node store gives a crashed holder's lease back at start; several nodes wait for it to end.
    await second.regulations.releaseDeletions()
    const due = await second.regulations.claimDeletions({
      limit: 10,
      now: stores.name === 'sqlite' ? 1001 : 61_001,
      leaseMs: 500,
    })
    expect(due.map((d) => d.destinationId)).toEqual(['crm'])
  })
})
