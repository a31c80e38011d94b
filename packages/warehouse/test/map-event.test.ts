import type { PatchbayEvent } from '@patchbay/protocol'
import { describe, expect, it } from 'vitest'
import { mapEvent, postgresDialect } from '../src/index.ts'

const at = '2026-12-01T10:00:00.000Z'
const common = {
  messageId: 'm1',
  anonymousId: 'anon-1',
  userId: 'u1',
  timestamp: at,
  sentAt: at,
  receivedAt: at,
  context: { ip: '203.0.113.7', library: { name: 'analytics-node', version: '2.1.0' } },
}
const rows = (event: Record<string, unknown>) =>
  mapEvent({ ...common, ...event } as unknown as PatchbayEvent, postgresDialect).map((r) => ({
    table: r.table,
    values: Object.fromEntries(r.values),
  }))

describe('mapEvent', () => {
  it('a track lands in tracks and in its own table with flattened properties', () => {
    const [tracks, own] = rows({
      type: 'track',
      event: 'Order Completed',
      properties: {
        orderId: 'o1',
        total: 12.5,
        items: [{ sku: 'a' }],
        shipping: { address: { city: 'Oslo' } },
      },
    })
    expect(tracks).toEqual({
      table: 'tracks',
      values: {
        id: 'm1',
        anonymous_id: 'anon-1',
        user_id: 'u1',
        timestamp: at,
        original_timestamp: at,
        sent_at: at,
        received_at: at,
        context_ip: '203.0.113.7',
        context_library_name: 'analytics-node',
        context_library_version: '2.1.0',
        event: 'order_completed',
        event_text: 'Order Completed',
      },
    })
    expect(own!.table).toBe('order_completed')
    expect(own!.values).toMatchObject({
      order_id: 'o1',
      total: 12.5,
      items: [{ sku: 'a' }],
      shipping_address_city: 'Oslo',
      event: 'order_completed',
    })
  })

  it('an identify lands in identifies and users; context.traits count as traits', () => {
    const out = rows({
      type: 'identify',
      context: { traits: { plan: 'pro' } },
      traits: { email: 'a@example.com' },
    })
    expect(out.map((r) => r.table)).toEqual(['identifies', 'users'])
    expect(out[0]!.values).toMatchObject({ email: 'a@example.com', plan: 'pro', context_traits_plan: 'pro' })
    expect(out[1]!.values).toEqual({ id: 'u1', received_at: at, email: 'a@example.com', plan: 'pro' })
  })

  it('pages, screens, groups and aliases land in their tables', () => {
    expect(rows({ type: 'page', name: 'Home', properties: { path: '/' } })[0]).toMatchObject({
      table: 'pages',
      values: { name: 'Home', path: '/' },
    })
    expect(rows({ type: 'screen', name: 'Cart', properties: {} })[0]!.table).toBe('screens')
    expect(rows({ type: 'group', groupId: 'g1', traits: { seats: 3 } })[0]).toMatchObject({
      table: 'groups',
      values: { group_id: 'g1', seats: 3 },
    })
    expect(rows({ type: 'alias', previousId: 'anon-1' })[0]).toMatchObject({
      table: 'aliases',
      values: { previous_id: 'anon-1' },
    })
  })

  it('an alias lands its traits as columns, as RudderStack and Segment load them', () => {
    expect(
      rows({ type: 'alias', previousId: 'anon-1', traits: { email: 'a@b.c', previous_id: 'x' } })[0],
    ).toMatchObject({
      table: 'aliases',
      values: { previous_id: 'anon-1', email: 'a@b.c', previous_id_55712c: 'x' },
    })
  })

  it('keys that collide after normalisation, and properties named like standard columns, get stable suffixes', () => {
    const [, own] = rows({
      type: 'track',
      event: 'Users',
      properties: { firstName: 'A', first_name: 'B', timestamp: 'not mine', id: 7 },
    })
    expect(own!.table).toBe('_users')
    const v = own!.values
    expect(v.id).toBe('m1')
    expect(v.timestamp).toBe(at)
    const keys = Object.keys(v)
    expect(keys.filter((k) => /^first_name/.test(k))).toHaveLength(2)
    expect(keys.some((k) => /^timestamp_[0-9a-f]{6}$/.test(k))).toBe(true)
    expect(keys.some((k) => /^id_[0-9a-f]{6}$/.test(k))).toBe(true)
    // The same event maps to the same columns every time, whatever the order of its keys.
    expect(
      rows({ type: 'track', event: 'Users', properties: { first_name: 'B', firstName: 'A' } })[1]!.values,
    ).toEqual(
      rows({ type: 'track', event: 'Users', properties: { firstName: 'A', first_name: 'B' } })[1]!.values,
    )
  })

  it('a key with a dot and the nested keys it reads like keep apart: no value is lost', () => {
    // `a.b` (one key) and `a` → `b` (nested) both flatten to a_b, and their paths read alike.
    const own = rows({ type: 'track', event: 'Dots', properties: { 'a.b': 1, a: { b: 2 } } })[1]!.values
    const dotted = Object.entries(own).filter(([k]) => /^a_b/.test(k))
    expect(dotted.map(([, v]) => v).sort()).toEqual([1, 2])
    expect(own.a_b).toBe(2)
    // The same under context, and in traits (identifies and users).
    const tracks = rows({
      type: 'track',
      event: 'Dots',
      context: { 'page.path': '/x', page: { path: '/y' } },
    })[0]!
    expect(Object.values(tracks.values).filter((v) => v === '/x' || v === '/y')).toHaveLength(2)
    for (const row of rows({
      type: 'identify',
      traits: { 'address.city': 'Oslo', address: { city: 'Bergen' } },
    }))
      expect([
        row.table,
        Object.values(row.values)
          .filter((v) => v === 'Oslo' || v === 'Bergen')
          .sort(),
      ]).toEqual([row.table, ['Bergen', 'Oslo']])
  })

  it('each event gets its own keys mapped, whatever the events before it had at the same path', () => {
    // The mapping remembers each path's keys (and their sorted order) from the event before.
    const own = (properties: Record<string, unknown>, context?: Record<string, unknown>) =>
      rows({ type: 'track', event: 'Paths', properties, ...(context && { context }) })[1]!.values
    expect(own({ b: 1, a: { x: 1 } })).toMatchObject({ a_x: 1, b: 1 })
    const second = own({ a: { y: 2 }, c: 3 })
    expect(second).toMatchObject({ a_y: 2, c: 3 })
    expect(second).not.toHaveProperty('b')
    expect(second).not.toHaveProperty('a_x')
    expect(own({ c: 'c', b: 'b' })).toMatchObject({ b: 'b', c: 'c' })
    // The same key under `context` and under `properties` is two columns.
    expect(own({ total: 1 }, { total: 2 })).toMatchObject({ total: 1, context_total: 2 })
  })

  it('a property named like a common column keeps apart even when the event lacks that field', () => {
    // An anonymous track with no sentAt: its properties must not fill (or type) user_id, sent_at.
    const out = mapEvent(
      {
        type: 'track',
        messageId: 'm9',
        anonymousId: 'anon-9',
        receivedAt: at,
        event: 'Order Completed',
        properties: { user_id: 42, sentAt: 1700000000, total: 1 },
      } as unknown as PatchbayEvent,
      postgresDialect,
    )
    for (const row of out) {
      expect(row.values.has('user_id')).toBe(false)
      expect(row.values.has('sent_at')).toBe(false)
      expect(row.fixed.get('user_id')).toBe('string')
    }
    const own = Object.fromEntries(out[1]!.values)
    expect(Object.keys(own).filter((k) => /^user_id_[0-9a-f]{6}$/.test(k))).toHaveLength(1)
    expect(Object.values(own)).toContain(42)
    // The same for a page without a name, and a group without a groupId.
    const page = mapEvent(
      {
        type: 'page',
        messageId: 'p1',
        anonymousId: 'a',
        properties: { name: 5 },
      } as unknown as PatchbayEvent,
      postgresDialect,
    )[0]!
    expect(page.values.has('name')).toBe(false)
    expect([...page.values.keys()].some((k) => /^name_[0-9a-f]{6}$/.test(k))).toBe(true)
  })

  it('in users only id and received_at have fixed types: a trait called timestamp is typed by its value', () => {
    const [, users] = mapEvent(
      {
        ...common,
        type: 'identify',
        traits: { timestamp: 'last tuesday', sentAt: 3 },
      } as unknown as PatchbayEvent,
      postgresDialect,
    )
    expect(users!.table).toBe('users')
    expect(users!.fixed.get('timestamp')).toBeUndefined()
    expect(users!.fixed.get('sent_at')).toBeUndefined()
    expect(users!.values.get('timestamp')).toBe('last tuesday')
    expect(users!.fixed.get('id')).toBe('string')
  })

  it("fills context_ip from the gateway's request_ip when the event has no context.ip", () => {
    const event = (context: Record<string, unknown>) =>
      ({
        type: 'track',
        messageId: 'm1',
        userId: 'u1',
        event: 'Clicked',
        request_ip: '198.51.100.4',
        context,
      }) as unknown as PatchbayEvent
    const [tracks] = mapEvent(event({ library: { name: 'analytics-node' } }), postgresDialect)
    expect(tracks!.values.get('context_ip')).toBe('198.51.100.4')
    const [own] = mapEvent(event({ ip: '203.0.113.7' }), postgresDialect)
    expect(own!.values.get('context_ip')).toBe('203.0.113.7')
  })
})
