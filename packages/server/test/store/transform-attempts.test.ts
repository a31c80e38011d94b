import { expect, it } from 'vitest'
import { describeStores, event, rejected } from './_helpers.ts'

describeStores('transform_attempts', (stores) => {
  it('are counted per event and survive a reopen', async () => {
    const at = stores.place()
    const first = await stores.open({ at })
    await first.append([event('m1'), event('m2'), event('m3')])
    await first.markTransformAttempt([1, 2])
    await first.markTransformAttempt([2])
    await first.close()
    const reopened = await stores.open({ at })
    expect((await reopened.readPending(10)).map((e) => [e.messageId, e.transformAttempts])).toEqual([
      ['m1', 1],
      ['m2', 2],
      ['m3', 0],
    ])
  })

  it('buryEvents removes the events and keeps them as dead letters, all or nothing', async () => {
    const store = await stores.open()
    await store.append([event('m1'), event('m2')])
    const letter = (destinationId: string) => ({
      destinationId,
      orderKey: null,
      messageId: 'm1',
      payload: { type: 'track', messageId: 'm1' },
      attempts: 3,
      reason: 'PB_SANDBOX_POISON: test',
      step: 'transformations' as const,
      sourceId: 'web',
    })
    // One of the events is not pending: nothing changes.
    expect((await rejected(store.buryEvents([1, 99], [letter('a')], 5000))).message).toBe(
      'buryEvents: 1 of the 2 events are not pending; nothing was changed',
    )
    expect(await store.deadLetters.count()).toBe(0)
    await store.buryEvents([1], [letter('a'), letter('b')], 5000)
    expect((await store.readPending(10)).map((e) => e.messageId)).toEqual(['m2'])
    expect(
      (await store.deadLetters.list()).map((d) => [d.destinationId, d.messageId, d.attempts, d.reason]),
    ).toEqual([
      ['a', 'm1', 3, 'PB_SANDBOX_POISON: test'],
      ['b', 'm1', 3, 'PB_SANDBOX_POISON: test'],
    ])
    expect(await store.stats()).toMatchObject({ pendingEvents: 1, deadLetters: { a: 1, b: 1 } })
  })
})
