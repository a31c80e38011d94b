import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPipeline, type Pipeline, PluginRegistry, parsePipeline } from '@patchbay/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import duckdb from '../src/index.ts'
import { query } from './_query.ts'

let dir: string
let pipeline: Pipeline | undefined
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pb-duckdb-'))
})
afterEach(async () => {
  await pipeline?.close()
  pipeline = undefined
  rmSync(dir, { recursive: true, force: true })
})

async function open(file: string) {
  pipeline = await createPipeline(
    parsePipeline(
      `destinations:\n  - { id: wh, use: "@patchbay/destination-duckdb", config: { path: "${file}" } }\n`,
      {
        file: join(dir, 'pipeline.yaml'),
        env: {},
      },
    ),
    { registry: new PluginRegistry({ cwd: dir }).add(duckdb) },
  )
  return pipeline
}

const at = '2026-12-01T10:00:00.000Z'
const track = (id: string, event: string, properties: Record<string, unknown>) => ({
  type: 'track',
  messageId: id,
  userId: 'u1',
  event,
  properties,
  timestamp: at,
  context: { ip: '203.0.113.7', library: { name: 'test', version: '1.0.0' } },
})

/** An identify of user u1, for the users upsert tests. */
const identify = (id: string, receivedAt: string, traits: Record<string, unknown>) => ({
  type: 'identify',
  messageId: id,
  userId: 'u1',
  traits,
  receivedAt,
})

describe('@patchbay/destination-duckdb', () => {
  it('lands every call type in its table with typed columns', async () => {
    const file = join(dir, 'events.duckdb')
    const p = await open(file)
    const outcomes = await p.process([
      track('t1', 'Order Completed', {
        total: 12.5,
        items: 2,
        coupon: 'X',
        paid: true,
        at,
        skus: ['a', 'b'],
      }),
      {
        type: 'identify',
        messageId: 'i1',
        userId: 'u1',
        traits: { email: 'a@example.com', plan: 'pro' },
        timestamp: at,
      },
      { type: 'page', messageId: 'p1', userId: 'u1', name: 'Home', properties: { path: '/' }, timestamp: at },
      {
        type: 'screen',
        messageId: 's1',
        userId: 'u1',
        name: 'Cart',
        properties: { items: 1 },
        timestamp: at,
      },
      { type: 'group', messageId: 'g1', userId: 'u1', groupId: 'acme', traits: { seats: 5 }, timestamp: at },
      { type: 'alias', messageId: 'a1', userId: 'u1', previousId: 'anon-1', timestamp: at },
    ])
    expect(outcomes.map((o) => o.status)).toEqual(Array(6).fill('delivered'))
    await p.close()
    const tables = await query(
      file,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1",
    )
    expect(tables.map((t) => t.table_name)).toEqual([
      'aliases',
      'groups',
      'identifies',
      'order_completed',
      'pages',
      'screens',
      'tracks',
      'users',
    ])
    const types = await query(
      file,
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'order_completed' ORDER BY 1",
    )
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.data_type]))).toMatchObject({
      id: 'VARCHAR',
      total: 'DOUBLE',
      items: 'BIGINT',
      paid: 'BOOLEAN',
      at: 'TIMESTAMP WITH TIME ZONE',
      skus: 'JSON',
      context_ip: 'VARCHAR',
      context_library_name: 'VARCHAR',
      event_text: 'VARCHAR',
      timestamp: 'TIMESTAMP WITH TIME ZONE',
    })
    expect(await query(file, 'SELECT id, event, event_text, total, skus FROM order_completed')).toEqual([
      { id: 't1', event: 'order_completed', event_text: 'Order Completed', total: 12.5, skus: '["a","b"]' },
    ])
    expect(await query(file, 'SELECT id, email, plan FROM users')).toEqual([
      { id: 'u1', email: 'a@example.com', plan: 'pro' },
    ])
    expect(await query(file, 'SELECT group_id, seats FROM groups')).toEqual([
      { group_id: 'acme', seats: '5' },
    ])
    expect(await query(file, 'SELECT previous_id FROM aliases')).toEqual([{ previous_id: 'anon-1' }])
    expect(await query(file, 'SELECT name, path FROM pages')).toEqual([{ name: 'Home', path: '/' }])
  })

  it('evolves the schema: new columns are added, conflicting values go to patchbay_discards', async () => {
    const file = join(dir, 'events.duckdb')
    const p = await open(file)
    await p.process([track('a', 'Signed Up', { plan: 'free', seats: 1 })])
    await p.process([
      track('b', 'Signed Up', { plan: 2, seats: 3, referrer: 'ads' }),
      track('c', 'Signed Up', { plan: 'pro', seats: 'many' }),
    ])
    await p.close()
    expect(await query(file, 'SELECT id, plan, seats, referrer FROM signed_up ORDER BY id')).toEqual([
      { id: 'a', plan: 'free', seats: '1', referrer: null },
      // A number in a string column loads as its text (as in RudderStack and Segment).
      { id: 'b', plan: '2', seats: '3', referrer: 'ads' },
      { id: 'c', plan: 'pro', seats: null, referrer: null },
    ])
    expect(
      await query(
        file,
        'SELECT row_id, table_name, column_name, value, reason FROM patchbay_discards ORDER BY row_id',
      ),
    ).toEqual([
      {
        row_id: 'c',
        table_name: 'signed_up',
        column_name: 'seats',
        value: 'many',
        reason: 'a string value does not fit the int column',
      },
    ])
  })

  it('upserts users: newer traits win, missing traits are kept, an older identify retried changes nothing', async () => {
    const file = join(dir, 'events.duckdb')
    const p = await open(file)
    await p.deliver('wh', [
      identify('i1', '2026-12-01T10:00:00.000Z', { email: 'a@example.com', plan: 'free' }),
    ] as never)
    await p.deliver('wh', [
      identify('i2', '2026-12-01T11:00:00.000Z', { plan: 'pro' }),
      identify('i3', '2026-12-01T11:00:00.000Z', {}),
    ] as never)
    await p.deliver('wh', [
      identify('i1', '2026-12-01T10:00:00.000Z', { email: 'a@example.com', plan: 'free' }),
    ] as never)
    await p.close()
    expect(await query(file, 'SELECT id, email, plan FROM users')).toEqual([
      { id: 'u1', email: 'a@example.com', plan: 'pro' },
    ])
  })

  it('an identify sent again after a newer one (an SDK retry, stamped again by the gateway) leaves users alone', async () => {
    const file = join(dir, 'events.duckdb')
    const p = await open(file)
    await p.deliver('wh', [
      identify('i1', '2026-12-01T10:00:00.000Z', { email: 'old@example.com', plan: 'free' }),
    ] as never)
    await p.deliver('wh', [identify('i2', '2026-12-01T11:00:00.000Z', { email: 'new@example.com' })] as never)
    // i1 again, received after i2: its messageId is loaded, so it changes nothing; i3 is new.
    await p.deliver('wh', [
      identify('i1', '2026-12-01T12:00:00.000Z', { email: 'old@example.com', plan: 'free' }),
      identify('i3', '2026-12-01T12:00:00.000Z', { seats: 3 }),
    ] as never)
    await p.close()
    expect(await query(file, 'SELECT id, email, plan, seats::INT AS seats FROM users')).toEqual([
      { id: 'u1', email: 'new@example.com', plan: 'free', seats: 3 },
    ])
    expect(await query(file, 'SELECT id, email FROM identifies ORDER BY id')).toEqual([
      { id: 'i1', email: 'old@example.com' },
      { id: 'i2', email: 'new@example.com' },
      { id: 'i3', email: null },
    ])
  })

  it('a table has its common columns from the start: an anonymous stream reads user_id and sent_at as NULL', async () => {
    const file = join(dir, 'events.duckdb')
    const p = await open(file)
    const outcomes = await p.process([
      {
        type: 'track',
        messageId: 'a1',
        anonymousId: 'anon-1',
        event: 'Viewed',
        properties: {},
        timestamp: at,
      },
      { type: 'page', messageId: 'a2', anonymousId: 'anon-1', timestamp: at },
    ])
    expect(outcomes.map((o) => o.status)).toEqual(['delivered', 'delivered'])
    await p.close()
    for (const table of ['tracks', 'viewed'])
      expect(await query(file, `SELECT id, anonymous_id, user_id, sent_at, event FROM ${table}`)).toEqual([
        { id: 'a1', anonymous_id: 'anon-1', user_id: null, sent_at: null, event: 'viewed' },
      ])
    expect(await query(file, 'SELECT id, user_id, name, category FROM pages')).toEqual([
      { id: 'a2', user_id: null, name: null, category: null },
    ])
  })

  it('loads an event delivered twice, or a batch retried, once per messageId', async () => {
    const file = join(dir, 'events.duckdb')
    const p = await open(file)
    const batch = [track('a', 'Clicked', { n: 1 }), track('b', 'Clicked', { n: 2 })]
    await p.process(batch)
    await p.process([...batch, track('a', 'Clicked', { n: 1 })])
    await p.close()
    expect(await query(file, 'SELECT count(*)::INT AS n FROM clicked')).toEqual([{ n: 2 }])
    expect(await query(file, 'SELECT count(*)::INT AS n FROM tracks')).toEqual([{ n: 2 }])
  })

  it('a messageId loaded under one event name and sent again under another adds no second event-table row', async () => {
    const file = join(dir, 'events.duckdb')
    const p = await open(file)
    await p.process([track('d2', 'Order Completed', { n: 1 })])
    await p.process([track('d2', 'Checkout Started', { n: 1 }), track('d3', 'Checkout Started', { n: 2 })])
    await p.close()
    expect(await query(file, 'SELECT id FROM tracks ORDER BY id')).toEqual([{ id: 'd2' }, { id: 'd3' }])
    expect(await query(file, 'SELECT id FROM checkout_started ORDER BY id')).toEqual([{ id: 'd3' }])
    expect(await query(file, 'SELECT id FROM order_completed')).toEqual([{ id: 'd2' }])
  })

  it('loads a batch mixing new and already-loaded ids, with discards, once per id and value', async () => {
    const file = join(dir, 'events.duckdb')
    const p = await open(file)
    await p.process([track('a', 'Clicked', { n: 1 }), track('b', 'Clicked', { n: 'x' })])
    // 'a' and 'b' again (with b's discard), 'c' new, and 'c' twice in the batch.
    await p.process([
      track('a', 'Clicked', { n: 1 }),
      track('b', 'Clicked', { n: 'x' }),
      track('c', 'Clicked', { n: 'y' }),
      track('c', 'Clicked', { n: 'y' }),
      { type: 'identify', messageId: 'i1', userId: 'u1', traits: { plan: 'pro' }, timestamp: at },
    ])
    await p.close()
    expect(await query(file, 'SELECT id, n::INT AS n FROM clicked ORDER BY id')).toEqual([
      { id: 'a', n: 1 },
      { id: 'b', n: null },
      { id: 'c', n: null },
    ])
    expect(await query(file, 'SELECT id FROM tracks ORDER BY id')).toEqual([
      { id: 'a' },
      { id: 'b' },
      { id: 'c' },
    ])
    expect(await query(file, 'SELECT row_id, value FROM patchbay_discards ORDER BY row_id')).toEqual([
      { row_id: 'b', value: 'x' },
      { row_id: 'c', value: 'y' },
    ])
    expect(await query(file, 'SELECT id, plan FROM users')).toEqual([{ id: 'u1', plan: 'pro' }])
  })

  it('appends cell by cell into a column whose type was changed by hand', async () => {
    const file = join(dir, 'events.duckdb')
    let p = await open(file)
    await p.process([track('a', 'Clicked', { n: 1 })])
    await p.close()
    await query(file, 'ALTER TABLE clicked ALTER n TYPE INTEGER')
    p = await open(file)
    await p.process([track('b', 'Clicked', { n: 2 })])
    await p.close()
    expect(await query(file, 'SELECT id, n, typeof(n) AS t FROM clicked ORDER BY id')).toEqual([
      { id: 'a', n: 1, t: 'INTEGER' },
      { id: 'b', n: 2, t: 'INTEGER' },
    ])
  })

  it('writes timestamps with their UTC offset and microseconds into event tables', async () => {
    const file = join(dir, 'events.duckdb')
    const p = await open(file)
    await p.process([
      {
        ...track('a', 'Shipped', {
          at: '2026-12-01T12:00:00.123456+02:00',
          compact: '2026-12-01T12:30:00+0200',
          plain: '2026-12-01 10:30:00',
        }),
        timestamp: '2026-12-01T05:00:00-05:00',
      },
    ])
    await p.close()
    expect(
      await query(
        file,
        "SELECT strftime(timezone('UTC', \"timestamp\"), '%Y-%m-%d %H:%M:%S.%f') AS ts, strftime(timezone('UTC', \"at\"), '%Y-%m-%d %H:%M:%S.%f') AS at, strftime(timezone('UTC', compact), '%H:%M') AS compact, strftime(timezone('UTC', plain), '%H:%M') AS plain FROM shipped",
      ),
    ).toEqual([
      {
        ts: '2026-12-01 10:00:00.000000',
        at: '2026-12-01 10:00:00.123456',
        compact: '10:30',
        plain: '10:30',
      },
    ])
  })

  it('loads an event once even when its tracks row was deleted by hand (the append meets the key, the merge takes over)', async () => {
    const file = join(dir, 'events.duckdb')
    let p = await open(file)
    await p.process([track('a', 'Clicked', { n: 1 })])
    await p.close()
    await query(file, "DELETE FROM tracks WHERE id = 'a'")
    p = await open(file)
    await p.process([track('a', 'Clicked', { n: 1 }), track('b', 'Clicked', { n: 2 })])
    await p.close()
    expect(await query(file, 'SELECT id, n::INT AS n FROM clicked ORDER BY id')).toEqual([
      { id: 'a', n: 1 },
      { id: 'b', n: 2 },
    ])
    expect(await query(file, 'SELECT id FROM tracks ORDER BY id')).toEqual([{ id: 'a' }, { id: 'b' }])
  })

  it('normalises identifiers: unicode, reserved words, 200-character names, collisions', async () => {
    const file = join(dir, 'events.duckdb')
    const p = await open(file)
    const long = `${'very_long_property_'.repeat(10)}x`.slice(0, 200)
    await p.process([
      track('a', 'Café Añadido', {
        select: 1,
        '1st': true,
        [long]: 'l',
        [`${long.slice(0, 199)}y`]: 'm',
        firstName: 'A',
        first_name: 'B',
        名前: 'n',
      }),
    ])
    await p.close()
    const columns = (
      await query(
        file,
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'cafe_anadido'",
      )
    ).map((c) => c.column_name as string)
    expect(columns).toEqual(expect.arrayContaining(['_select', '_1st']))
    const longs = columns.filter((c) => c.startsWith('very_long_property'))
    expect(longs).toHaveLength(2)
    for (const c of longs) expect(c.length).toBe(127)
    expect(columns.filter((c) => c.startsWith('first_name'))).toHaveLength(2)
    expect(columns.some((c) => /^_[0-9a-f]{8}$/.test(c))).toBe(true)
  })
})
