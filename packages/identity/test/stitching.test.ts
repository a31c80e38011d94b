import { afterEach, describe, expect, it } from 'vitest'
import {
  canonicalIdOf,
  createMemoryIdentityStore,
  type IdentityGraph,
  openIdentityGraph,
  openSqliteIdentityStore,
} from '../src/index.ts'
import { event, tempDir } from './_helpers.ts'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function sqliteGraph(dir: string, settings = {}): Promise<IdentityGraph> {
  const graph = await openIdentityGraph({ store: openSqliteIdentityStore({ dir }), settings })
  cleanups.push(() => graph.close())
  return graph
}

describe('anonymous on two devices, then login', () => {
  const history = [
    event({ anonymousId: 'anon-laptop', context: { device: { id: 'dev-laptop' } } }, 1),
    event({ anonymousId: 'anon-phone', context: { device: { id: 'dev-phone' } } }, 2),
    event({ anonymousId: 'anon-phone', userId: 'user-1' }, 3),
    event(
      {
        type: 'identify',
        anonymousId: 'anon-laptop',
        userId: 'user-1',
        traits: { email: 'Ada@Example.com' },
      },
      4,
    ),
    event(
      {
        userId: 'user-1',
        context: { externalIds: [{ id: 'zd-77', type: 'zendeskId', collection: 'users' }] },
      },
      5,
    ),
  ]
  const ids = [
    'anonymousId:anon-laptop',
    'anonymousId:anon-phone',
    'deviceId:dev-laptop',
    'deviceId:dev-phone',
    'userId:user-1',
    'email:ada@example.com',
    'zendeskId:zd-77',
  ]

  it('gives every identifier one canonical id: the oldest identifier', async () => {
    const { dir, remove } = tempDir()
    cleanups.push(remove)
    const graph = await sqliteGraph(dir)
    const stamped = await graph.stitch(history)
    // The oldest identifier names the person: the first event's ids tie on time and messageId,
    // so the identifier itself decides (anonymousId:... sorts before deviceId:...).
    const expected = canonicalIdOf('anonymousId', 'anon-laptop')
    const phone = canonicalIdOf('anonymousId', 'anon-phone')
    // Each event is stamped with the person as of its own arrival: the phone is its own person until the fourth.
    expect(stamped).toEqual([expected, phone, phone, expected, expected])
    expect(ids.map((id) => graph.resolve(id))).toEqual(ids.map(() => expected))
    const person = await graph.lookup('ada@example.com')
    expect(person?.identifiers).toEqual({
      anonymousId: ['anon-laptop', 'anon-phone'],
      deviceId: ['dev-laptop', 'dev-phone'],
      email: ['ada@example.com'],
      userId: ['user-1'],
      zendeskId: ['zd-77'],
    })
    // The phone's person was absorbed by the older laptop's at the fourth event (the login on the laptop).
    expect(person?.merges.map((m) => [m.kind, m.from, m.to, m.nodes, m.messageId])).toEqual([
      ['merge', phone, expected, 3, 'm-000004'],
    ])
    // The absorbed canonical id answers with the survivor.
    expect(graph.resolve(phone)).toBe(expected)
  })

  it('keeps the canonical id across restarts, and absorbed ids still resolve', async () => {
    const { dir, remove } = tempDir()
    cleanups.push(remove)
    const first = await openIdentityGraph({ store: openSqliteIdentityStore({ dir }) })
    await first.stitch(history.slice(0, 3))
    await first.close()
    const second = await openIdentityGraph({ store: openSqliteIdentityStore({ dir }) })
    await second.stitch(history.slice(3))
    await second.close()
    const third = await sqliteGraph(dir)
    const expected = canonicalIdOf('anonymousId', 'anon-laptop')
    expect(ids.map((id) => third.resolve(id))).toEqual(ids.map(() => expected))
    // Absorbed in the second process: the merge log, read from disk, still leads to the survivor.
    expect((await third.lookup(canonicalIdOf('anonymousId', 'anon-phone')))?.canonicalId).toBe(expected)
  })
})

describe('caps', () => {
  it('a device id shared by 10,000 users merges none of them, and every rejection is visible', async () => {
    const graph = await openIdentityGraph({
      store: createMemoryIdentityStore(),
      settings: { blocklist: { after: 1_000_000 } },
    })
    const events = Array.from({ length: 10_000 }, (_, i) =>
      event({ userId: `user-${i}`, context: { device: { id: 'kiosk-1' } } }, i),
    )
    for (let i = 0; i < events.length; i += 500) await graph.stitch(events.slice(i, i + 500))
    const stats = await graph.stats({ largest: 2 })
    expect(stats.people).toBe(10_000)
    expect(stats.rejectedMerges).toBe(9_999)
    expect(stats.largest.map((p) => p.byType)).toEqual([{ userId: 1, deviceId: 1 }, { userId: 1 }])
    const kiosk = await graph.lookup('deviceId:kiosk-1')
    expect(kiosk?.identifiers).toEqual({ deviceId: ['kiosk-1'], userId: ['user-0'] })
    expect(kiosk?.rejections).toHaveLength(9_999)
    expect(kiosk?.rejections[0]).toEqual({
      from: 'deviceId:kiosk-1',
      to: 'userId:user-1',
      status: 'rejected',
      reason: 'userId cap: the merge would give one person 2 userId identifiers (cap 1)',
      messageId: 'm-000001',
    })
    expect(graph.resolve('userId:user-42')).not.toBe(graph.resolve('userId:user-43'))
  })

  it('blocklists an identifier that keeps causing rejected merges, and unlinks it', async () => {
    const graph = await openIdentityGraph({
      store: createMemoryIdentityStore(),
      settings: { blocklist: { after: 3 } },
    })
    await graph.stitch(
      Array.from({ length: 6 }, (_, i) =>
        event({ userId: `user-${i}`, context: { device: { id: 'kiosk-1' } } }, i),
      ),
    )
    const stats = await graph.stats()
    expect(stats.blockedIdentifiers).toEqual(['deviceId:kiosk-1'])
    expect(stats.rejectedMerges).toBe(0)
    expect(stats.blockedLinks).toBe(6)
    // user-0 no longer shares a person with the kiosk.
    expect(graph.resolve('userId:user-0')).toBe(canonicalIdOf('userId', 'user-0'))
    expect(graph.resolve('deviceId:kiosk-1')).toBe(canonicalIdOf('deviceId', 'kiosk-1'))
  })

  it('lets the stronger link win a conflict, whatever arrives first', async () => {
    // anon-1 is seen with user-a (an anonymous link), and email e is given by user-b (a strong link),
    // then anon-1 shows the same email. user-a and user-b cannot merge (userId cap 1).
    const history = [
      event({ anonymousId: 'anon-1', userId: 'user-a' }, 1),
      event({ anonymousId: 'anon-1', traits: { email: 'e@x.io' } }, 2),
      event({ userId: 'user-b', traits: { email: 'e@x.io' } }, 3),
    ]
    for (const order of [history, [...history].reverse()]) {
      const graph = await openIdentityGraph({ store: createMemoryIdentityStore() })
      await graph.stitch(order)
      expect(graph.resolve('email:e@x.io')).toBe(graph.resolve('userId:user-b'))
      expect(graph.resolve('anonymousId:anon-1')).toBe(graph.resolve('userId:user-a'))
      expect(graph.resolve('userId:user-a')).not.toBe(graph.resolve('userId:user-b'))
    }
  })

  it('reads alias calls: previousId as an anonymousId by default', async () => {
    const graph = await openIdentityGraph({ store: createMemoryIdentityStore() })
    await graph.stitch([
      event({ anonymousId: 'anon-9' }, 1),
      {
        type: 'alias',
        previousId: 'anon-9',
        userId: 'user-9',
        messageId: 'al-1',
        timestamp: '2026-11-01T01:00:00.000Z',
      },
    ])
    expect(graph.resolve('userId:user-9')).toBe(canonicalIdOf('anonymousId', 'anon-9'))
  })
})
