import { expect, it } from 'vitest'
import { describeStores, event, job, rejected } from './_helpers.ts'

describeStores('append', (stores) => {
  it('keeps acknowledged events across a reopen, oldest first', async () => {
    const at = stores.place()
    const first = await stores.open({ at })
    await first.append([event('m1'), event('m2', 'ios')])
    await first.append([event('m3')])
    await first.close()

    const reopened = await stores.open({ at })
    expect(await reopened.readPending(10)).toEqual([
      {
        seq: 1,
        sourceId: 'web',
        messageId: 'm1',
        event: { type: 'track', messageId: 'm1' },
        storedAt: 1000,
        transformAttempts: 0,
      },
      {
        seq: 2,
        sourceId: 'ios',
        messageId: 'm2',
        event: { type: 'track', messageId: 'm2' },
        storedAt: 1000,
        transformAttempts: 0,
      },
      {
        seq: 3,
        sourceId: 'web',
        messageId: 'm3',
        event: { type: 'track', messageId: 'm3' },
        storedAt: 1000,
        transformAttempts: 0,
      },
    ])
    expect((await reopened.readPending(2)).map((e) => e.messageId)).toEqual(['m1', 'm2'])
  })

  it('group-commits the calls of one event-loop turn in one transaction', async () => {
    const groups: Array<{ calls: number; events: number }> = []
    const store = await stores.open({ onGroupCommit: (info) => groups.push(info) })
    const calls = (wave: number) =>
      Array.from({ length: 100 }, (_, c) =>
        store.append(Array.from({ length: 100 }, (_, e) => event(`w${wave}-c${c}-e${e}`))),
      )

    await Promise.all(calls(1))
    expect(groups).toEqual([{ calls: 100, events: 10_000 }])
    await Promise.all(calls(2))
    expect(groups).toEqual([
      { calls: 100, events: 10_000 },
      { calls: 100, events: 10_000 },
    ])
    await store.append([event('alone')])
    expect(groups.at(-1)).toEqual({ calls: 1, events: 1 })
    expect((await store.stats()).pendingEvents).toBe(20_001)
  })

  it('group-commits calls made from separate callbacks of one loop turn, like the requests of one I/O poll', async () => {
    const groups: Array<{ calls: number; events: number }> = []
    const store = await stores.open({ onGroupCommit: (info) => groups.push(info) })
    const fromCallback = (i: number) =>
      new Promise<void>((resolve, reject) =>
        setImmediate(() => store.append([event(`m${i}`)]).then(resolve, reject)),
      )
    await Promise.all(Array.from({ length: 10 }, (_, i) => fromCallback(i)))
    expect(groups).toEqual([{ calls: 10, events: 10 }])
  })

  it('resolves only once the events are committed', async () => {
    const at = stores.place()
    const store = await stores.open({ at })
    const seen = await Promise.all(
      [1, 2, 3].map((i) => store.append([event(`m${i}`)]).then(() => stores.countEvents(at))),
    )
    expect(seen).toEqual([3, 3, 3])
  })

  it('keeps each call all-or-nothing, without failing the rest of its group', async () => {
    const groups: Array<{ calls: number; events: number }> = []
    const store = await stores.open({ onGroupCommit: (info) => groups.push(info) })
    const unserialisable = {
      toJSON() {
        throw new Error('cyclic field')
      },
    }
    const results = await Promise.allSettled([
      store.append([event('a1'), event('a2')]),
      // Refused by the database in the middle of the group's transaction (NOT NULL).
      store.append([
        event('b1'),
        event('b2'),
        { sourceId: null as unknown as string, messageId: 'b3', event: {} },
      ]),
      store.append([event('c1')]),
      // Refused before the group: the event has no JSON form.
      store.append([event('d1'), { sourceId: 'web', messageId: 'd2', event: unserialisable }]),
      store.append([event('e1'), { sourceId: 'web', messageId: 'e2', event: undefined }]),
    ])
    const outcomes = results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : r.status))
    expect(outcomes[1]).toMatch(
      /^append: event 2 of 3 \(messageId "b3"\) cannot be stored, so none of the 3 were: .+/,
    )
    expect([outcomes[0], ...outcomes.slice(2)]).toEqual([
      'fulfilled',
      'fulfilled',
      'append: event 1 of 2 (messageId "d2") cannot be stored, so none of the 2 were: cyclic field',
      'append: event 1 of 2 (messageId "e2") cannot be stored, so none of the 2 were: the event cannot be stored: undefined has no JSON form',
    ])
    expect((await store.readPending(10)).map((e) => e.messageId)).toEqual(['a1', 'a2', 'c1'])
    expect(groups).toEqual([{ calls: 3, events: 3 }])
    expect((await store.stats()).pendingEvents).toBe(3)
  })

  it('commits the events as they were when append was called', async () => {
    const store = await stores.open()
    const payload = { type: 'track', step: 1 }
    const appended = store.append([{ sourceId: 'web', messageId: 'm1', event: payload }])
    payload.step = 2
    await appended
    expect((await store.readPending(1))[0]?.event).toEqual({ type: 'track', step: 1 })
  })

  it('close waits for the pending group commit; later calls are refused', async () => {
    const at = stores.place()
    const store = await stores.open({ at })
    const appended = store.append([event('m1')])
    await store.close()
    await appended
    const closed = `The store in ${stores.where(at)} is closed`
    expect((await rejected(store.append([event('m2')]))).message).toBe(closed)
    expect((await rejected(store.readPending(1))).message).toBe(closed)
    expect((await rejected(store.deadLetters.list())).message).toBe(closed)
    await store.close()
    const reopened = await stores.open({ at })
    expect((await reopened.readPending(10)).map((e) => e.messageId)).toEqual(['m1'])
  })
})

describeStores('commit-processed', (stores) => {
  it('removes the events and queues their jobs in one step; filtered events just go', async () => {
    const store = await stores.open()
    await store.append([event('m1'), event('m2'), event('m3')])
    const [e1, e2, e3] = await store.readPending(10)
    await store.commitProcessed(
      [e1!.seq, e2!.seq],
      [job('crm', 'u1', 'm1'), job('warehouse', null, 'm1')],
      2000,
    )

    expect((await store.readPending(10)).map((e) => e.seq)).toEqual([e3!.seq])
    expect(await store.claim('crm', { limit: 10, now: 2000, ordered: false })).toEqual([
      {
        id: 1,
        destinationId: 'crm',
        orderKey: 'u1',
        messageId: 'm1',
        payload: { messageId: 'm1' },
        // The payload's stored text length, for delivery's batch byte bounds.
        size: JSON.stringify({ messageId: 'm1' }).length,
        state: 'in_flight',
        attempts: 0,
        nextAt: 2000,
        createdAt: 2000,
        lastError: null,
      },
    ])
    expect((await store.stats()).jobs).toEqual({
      crm: { waiting: 0, in_flight: 1, retrying: 0 },
      warehouse: { waiting: 1, in_flight: 0, retrying: 0 },
    })
  })

  it('refuses events that are no longer pending and changes nothing', async () => {
    const store = await stores.open()
    await store.append([event('m1'), event('m2')])
    const [e1, e2] = await store.readPending(10)
    await store.commitProcessed([e1!.seq], [job('crm', null, 'm1')], 2000)

    const error = await rejected(store.commitProcessed([e1!.seq, e2!.seq], [job('crm', null, 'm2')], 2000))
    expect(error.message).toBe(
      'commitProcessed: 1 of the 2 events are not pending (processed already?); nothing was committed',
    )
    expect((await store.readPending(10)).map((e) => e.messageId)).toEqual(['m2'])
    expect(await store.stats()).toMatchObject({ pendingEvents: 1, jobs: { crm: { waiting: 1 } } })
  })
})
