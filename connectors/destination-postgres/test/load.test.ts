import { createHash } from 'node:crypto'
import { createPipeline, type Pipeline, PluginRegistry, parsePipeline } from '@patchbay/core'
import { afterEach, describe, expect, it } from 'vitest'
import postgres from '../src/index.ts'
import { databaseUrl, testDatabase } from './_database.ts'

// The machine's PostgreSQL (trust auth); this file creates its own database and drops it.
const { name: DB, db } = testDatabase('pb_wh_load')
/** With a password (trust auth ignores it), so the tests can check it is never shown. */
const url = (name: string) => databaseUrl(name, 'hunter2-not-needed')

let pipeline: Pipeline | undefined
let schemaN = 0
afterEach(async () => {
  await pipeline?.close()
  pipeline = undefined
})

async function open(connectionString = url(DB)) {
  const schema = `s${++schemaN}`
  pipeline = await createPipeline(
    parsePipeline(
      `destinations:\n  - id: wh\n    use: "@patchbay/destination-postgres"\n    config: { connectionString: "${connectionString}", schema: ${schema} }\n    delivery: { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } }\n`,
      { file: '/virtual/pipeline.yaml', env: {} },
    ),
    { registry: new PluginRegistry({ cwd: process.cwd() }).add(postgres) },
  )
  return { p: pipeline, schema }
}
/** `n` sha256 hashes in hex, end to end: long text that does not compress. */
const hexes = (n: number) =>
  Array.from({ length: n }, (_, i) => createHash('sha256').update(String(i)).digest('hex')).join('')
const rows = async (sql: string) => (await db().query(sql)).rows

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

describe('@patchbay/destination-postgres', () => {
  it('lands every call type in its table with typed columns', async () => {
    const { p, schema } = await open()
    const outcomes = await p.process([
      track('t1', 'Order Completed', {
        total: 12.5,
        items: 2,
        paid: true,
        at,
        skus: ['a', 'b'],
        note: 'say "hi"\nbye',
      }),
      {
        type: 'identify',
        messageId: 'i1',
        userId: 'u1',
        traits: { email: 'a@example.com', plan: 'pro' },
        timestamp: at,
      },
      { type: 'identify', messageId: 'i2', userId: 'u1', traits: { plan: 'team' }, timestamp: at },
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
    expect(outcomes.map((o) => o.status)).toEqual(Array(7).fill('delivered'))
    const tables = await rows(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}' ORDER BY 1`,
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
    const types = await rows(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = '${schema}' AND table_name = 'order_completed'`,
    )
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.data_type]))).toMatchObject({
      id: 'text',
      total: 'double precision',
      items: 'bigint',
      paid: 'boolean',
      at: 'timestamp with time zone',
      skus: 'jsonb',
      context_ip: 'text',
      timestamp: 'timestamp with time zone',
    })
    expect(
      await rows(`SELECT id, event, event_text, total, skus, note FROM ${schema}.order_completed`),
    ).toEqual([
      {
        id: 't1',
        event: 'order_completed',
        event_text: 'Order Completed',
        total: 12.5,
        skus: ['a', 'b'],
        note: 'say "hi"\nbye',
      },
    ])
    expect(await rows(`SELECT id, email, plan FROM ${schema}.users`)).toEqual([
      { id: 'u1', email: 'a@example.com', plan: 'team' },
    ])
    expect(await rows(`SELECT count(*)::int AS n FROM ${schema}.identifies`)).toEqual([{ n: 2 }])
    expect(await rows(`SELECT group_id, seats FROM ${schema}.groups`)).toEqual([
      { group_id: 'acme', seats: '5' },
    ])
    expect(await rows(`SELECT previous_id FROM ${schema}.aliases`)).toEqual([{ previous_id: 'anon-1' }])
    expect(await rows(`SELECT name, path FROM ${schema}.pages`)).toEqual([{ name: 'Home', path: '/' }])
    expect(await rows(`SELECT name, items FROM ${schema}.screens`)).toEqual([{ name: 'Cart', items: '1' }])
  })

  it('evolves the schema: new columns are added, conflicting values go to patchbay_discards', async () => {
    const { p, schema } = await open()
    await p.process([track('a', 'Signed Up', { plan: 'free', seats: 1 })])
    await p.process([
      track('b', 'Signed Up', { plan: 2, seats: 3, referrer: 'ads' }),
      track('c', 'Signed Up', { plan: 'pro', seats: 'many' }),
    ])
    expect(await rows(`SELECT id, plan, seats, referrer FROM ${schema}.signed_up ORDER BY id`)).toEqual([
      { id: 'a', plan: 'free', seats: '1', referrer: null },
      // A number in a string column loads as its text (as in RudderStack and Segment).
      { id: 'b', plan: '2', seats: '3', referrer: 'ads' },
      { id: 'c', plan: 'pro', seats: null, referrer: null },
    ])
    expect(
      await rows(
        `SELECT row_id, column_name, value, reason FROM ${schema}.patchbay_discards ORDER BY row_id`,
      ),
    ).toEqual([
      {
        row_id: 'c',
        column_name: 'seats',
        value: 'many',
        reason: 'a string value does not fit the int column',
      },
    ])
  })

  it('upserts users: newer traits win, missing traits are kept, an older identify retried changes nothing', async () => {
    const { p, schema } = await open()
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
    expect(await rows(`SELECT id, email, plan FROM ${schema}.users`)).toEqual([
      { id: 'u1', email: 'a@example.com', plan: 'pro' },
    ])
  })

  it('an identify sent again after a newer one (an SDK retry, stamped again by the gateway) leaves users alone', async () => {
    const { p, schema } = await open()
    await p.deliver('wh', [
      identify('i1', '2026-12-01T10:00:00.000Z', { email: 'old@example.com', plan: 'free' }),
    ] as never)
    await p.deliver('wh', [identify('i2', '2026-12-01T11:00:00.000Z', { email: 'new@example.com' })] as never)
    // i1 again, received after i2: its messageId is loaded, so it changes nothing; i3 is new.
    await p.deliver('wh', [
      identify('i1', '2026-12-01T12:00:00.000Z', { email: 'old@example.com', plan: 'free' }),
      identify('i3', '2026-12-01T12:00:00.000Z', { seats: 3 }),
    ] as never)
    expect(await rows(`SELECT id, email, plan, seats FROM ${schema}.users`)).toEqual([
      { id: 'u1', email: 'new@example.com', plan: 'free', seats: '3' },
    ])
    expect(await rows(`SELECT id, email FROM ${schema}.identifies ORDER BY id`)).toEqual([
      { id: 'i1', email: 'old@example.com' },
      { id: 'i2', email: 'new@example.com' },
      { id: 'i3', email: null },
    ])
  })

  it('a table has its common columns from the start: an anonymous stream reads user_id and sent_at as NULL', async () => {
    const { p, schema } = await open()
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
    for (const table of ['tracks', 'viewed'])
      expect(await rows(`SELECT id, anonymous_id, user_id, sent_at, event FROM ${schema}.${table}`)).toEqual([
        { id: 'a1', anonymous_id: 'anon-1', user_id: null, sent_at: null, event: 'viewed' },
      ])
    expect(await rows(`SELECT id, user_id, name, category FROM ${schema}.pages`)).toEqual([
      { id: 'a2', user_id: null, name: null, category: null },
    ])
  })

  it('loads an event delivered twice, or a batch retried, once per messageId', async () => {
    const { p, schema } = await open()
    const batch = [track('a', 'Clicked', { n: 1 }), track('b', 'Clicked', { n: 2 })]
    await p.process(batch)
    await p.process([...batch, track('a', 'Clicked', { n: 1 })])
    expect(await rows(`SELECT count(*)::int AS n FROM ${schema}.clicked`)).toEqual([{ n: 2 }])
    expect(await rows(`SELECT count(*)::int AS n FROM ${schema}.tracks`)).toEqual([{ n: 2 }])
  })

  it('loads an event once even when its tracks row was deleted by hand (the COPY meets the key, the merge takes over)', async () => {
    const { p, schema } = await open()
    await p.process([track('a', 'Clicked', { n: 1 })])
    await db().query(`DELETE FROM ${schema}.tracks WHERE id = 'a'`)
    const outcomes = await p.process([track('a', 'Clicked', { n: 1 }), track('b', 'Clicked', { n: 2 })])
    expect(outcomes.map((o) => o.status)).toEqual(['delivered', 'delivered'])
    expect(await rows(`SELECT id, n::int AS n FROM ${schema}.clicked ORDER BY id`)).toEqual([
      { id: 'a', n: 1 },
      { id: 'b', n: 2 },
    ])
    expect(await rows(`SELECT id FROM ${schema}.tracks ORDER BY id`)).toEqual([{ id: 'a' }, { id: 'b' }])
  })

  it('normalises identifiers to 63 bytes: reserved words, leading digits, unicode, collisions', async () => {
    const { p, schema } = await open()
    const long = `${'very_long_property_'.repeat(11)}`.slice(0, 200)
    const outcomes = await p.process([
      track('a', 'Café Añadido', {
        select: 1,
        '1st': true,
        [long]: 'l',
        [`${long.slice(0, 199)}y`]: 'm',
        firstName: 'A',
        first_name: 'B',
      }),
    ])
    expect(outcomes[0]!.status).toBe('delivered')
    const columns = (
      await rows(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = '${schema}' AND table_name = 'cafe_anadido'`,
      )
    ).map((c) => c.column_name as string)
    expect(columns).toEqual(expect.arrayContaining(['_select', '_1st']))
    const longs = columns.filter((c) => c.startsWith('very_long_property'))
    expect(longs).toHaveLength(2)
    for (const c of longs) expect(c).toHaveLength(63)
    expect(columns.filter((c) => c.startsWith('first_name'))).toHaveLength(2)
  })

  it("names columns after PostgreSQL's system columns with a leading _: a bounding box loads", async () => {
    const { p, schema } = await open()
    const outcomes = await p.process([
      track('a', 'Map Viewed', { xmin: 1, ymin: 2, xmax: 3, ymax: 4, ctid: 'c' }),
    ])
    expect(outcomes.map((o) => o.status)).toEqual(['delivered'])
    expect(await rows(`SELECT _xmin, ymin, _xmax, ymax, _ctid FROM ${schema}.map_viewed`)).toEqual([
      { _xmin: '1', ymin: '2', _xmax: '3', ymax: '4', _ctid: 'c' },
    ])
  })

  it('fails only the event the server refuses for its size (1,600 columns, an index entry too big), not its batch', async () => {
    const { p, schema } = await open()
    const wide = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`p${i}`, i]))
    const outcomes = await p.process([
      track('a', 'Clicked', { n: 1 }),
      track('wide', 'Clicked', wide),
      // Too long for a btree entry even compressed (about 2,700 bytes at most).
      track(hexes(200), 'Clicked', { n: 2 }),
      track('b', 'Clicked', { n: 3 }),
    ])
    expect(outcomes.map((o) => o.status)).toEqual(['delivered', 'failed', 'failed', 'delivered'])
    expect(outcomes[1]!.error?.message).toMatch(/1600 columns/)
    expect(outcomes[2]!.error?.message).toMatch(/index row/)
    expect(await rows(`SELECT id FROM ${schema}.clicked ORDER BY id`)).toEqual([{ id: 'a' }, { id: 'b' }])
  })

  it('two gateways on one schema: a column the other one added is read before this one adds it again', async () => {
    const { p, schema } = await open()
    const other = await createPipeline(
      parsePipeline(
        `destinations:\n  - id: wh\n    use: "@patchbay/destination-postgres"\n    config: { connectionString: "${url(DB)}", schema: ${schema} }\n`,
        { file: '/virtual/pipeline.yaml', env: {} },
      ),
      { registry: new PluginRegistry({ cwd: process.cwd() }).add(postgres) },
    )
    try {
      // Both cache the schema; then this one adds `x` as an int, the other does not know.
      await p.process([track('a', 'Clicked', { n: 1 })])
      await other.process([track('b', 'Clicked', { n: 2 })])
      await p.process([track('c', 'Clicked', { x: 7 })])
      expect((await other.process([track('d', 'Clicked', { x: 'text' })])).map((o) => o.status)).toEqual([
        'delivered',
      ])
      await other.process([track('e', 'Clicked', { x: 8 })])
      // The same on identifies, where a wrong type would fail the batch.
      const identify = (id: string, x: unknown) => ({
        type: 'identify',
        messageId: id,
        userId: id,
        traits: { x },
      })
      await p.process([identify('i1', 1)])
      const mixed = await other.process([identify('i2', 2), identify('i3', 'three'), identify('i4', 4)])
      expect(mixed.map((o) => o.status)).toEqual(['delivered', 'delivered', 'delivered'])
    } finally {
      await other.close()
    }
    expect(await rows(`SELECT id, x FROM ${schema}.clicked WHERE id IN ('c', 'd', 'e') ORDER BY id`)).toEqual(
      [
        { id: 'c', x: '7' },
        { id: 'd', x: null },
        { id: 'e', x: '8' },
      ],
    )
    expect(
      await rows(
        `SELECT row_id, table_name, value FROM ${schema}.patchbay_discards ORDER BY row_id, table_name`,
      ),
    ).toEqual([
      { row_id: 'd', table_name: 'clicked', value: 'text' },
      { row_id: 'i3', table_name: 'identifies', value: 'three' },
      { row_id: 'i3', table_name: 'users', value: 'three' },
    ])
  })

  it('reads date-times without an offset as UTC, whatever the server TimeZone', async () => {
    const u = new URL(url(DB))
    u.searchParams.set('options', '-c TimeZone=America/New_York')
    const { p, schema } = await open(u.toString())
    await p.process([track('a', 'Clicked', { local: '2026-12-01T10:00:00', spaced: '2026-12-01 10:00' })])
    expect(
      await rows(
        `SELECT to_char(local AT TIME ZONE 'UTC', 'HH24:MI') AS local, to_char(spaced AT TIME ZONE 'UTC', 'HH24:MI') AS spaced FROM ${schema}.clicked`,
      ),
    ).toEqual([{ local: '10:00', spaced: '10:00' }])
  })

  it('drops NUL characters (text cannot hold them) but keeps text that merely reads \\u0000', async () => {
    const { p, schema } = await open()
    const outcomes = await p.process([
      track('a', 'Clicked', { path: 'C:\\u0000dir', nul: 'a\u0000b', list: ['C:\\u0000dir', 'a\u0000b'] }),
    ])
    expect(outcomes.map((o) => o.status)).toEqual(['delivered'])
    expect(await rows(`SELECT path, nul, list FROM ${schema}.clicked`)).toEqual([
      { path: 'C:\\u0000dir', nul: 'ab', list: ['C:\\u0000dir', 'ab'] },
    ])
  })

  it('types a trait called timestamp in users by its value: an identify with one loads', async () => {
    const { p, schema } = await open()
    const outcomes = await p.process([
      { type: 'identify', messageId: 'i1', userId: 'u1', traits: { timestamp: 'last tuesday', plan: 'pro' } },
    ])
    expect(outcomes.map((o) => o.status)).toEqual(['delivered'])
    expect(await rows(`SELECT id, timestamp, plan FROM ${schema}.users`)).toEqual([
      { id: 'u1', timestamp: 'last tuesday', plan: 'pro' },
    ])
  })

  it('classifies connection failures as retryable and a missing database as configuration, without the password', async () => {
    const down = new URL(url(DB))
    down.port = '1'
    const { p } = await open(down.toString())
    const [refused] = await p.process([track('a', 'Clicked', {})])
    expect(refused).toMatchObject({ status: 'failed', error: { code: 'PB_DELIVERY_EXHAUSTED' } })
    await p.close()
    const { p: p2 } = await open(url('pb_wh_no_such_db'))
    const [missing] = await p2.process([track('a', 'Clicked', {})])
    expect(missing).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'PB_CONFIG_INVALID', retryable: false },
    })
    expect(missing!.error!.message).toContain('does not exist')
    for (const o of [refused, missing]) expect(JSON.stringify(o)).not.toContain('hunter2')
  })
})
