// @long-pole 25: seconds in a CI run; the longest files start first (see vitest.config.ts).
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import RudderAnalytics from '@rudderstack/rudder-sdk-node'
import { Analytics as SegmentAnalytics } from '@segment/analytics-node'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { root } from './_build.ts'
import { until } from './_until.ts'

// The real Segment and RudderStack SDKs → `patchbay serve` (the real bin) → PostgreSQL (the
// machine's server, a database of this file's own) and DuckDB (a file in a temp dir), checked
// by SQL; then the gateway killed with SIGKILL during loads, and an outage of PostgreSQL (a
// TCP proxy cut), and every acknowledged event in the warehouses exactly once.

const ADMIN = process.env.PATCHBAY_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test'
const DB = `pb_wh_e2e_${process.pid}`
const WRITE_KEY = 'wk_warehouse_0123456789'
const ADMIN_TOKEN = 'admin_warehouse_0123456789'
const dbUrl = (() => {
  const u = new URL(ADMIN)
  u.pathname = `/${DB}`
  return u.toString()
})()

let admin: pg.Client
let db: pg.Client
beforeAll(async () => {
  admin = new pg.Client({ connectionString: ADMIN })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
  await admin.query(`CREATE DATABASE ${DB}`)
  db = new pg.Client({ connectionString: dbUrl })
  await db.connect()
})
afterAll(async () => {
  await db?.end()
  await admin?.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
  await admin?.end()
})

const dirs: string[] = []
const groups = new Set<number>()
afterEach(() => {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {}
  }
  groups.clear()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/**
 * A pipeline with the Postgres destination in schema `schema`, in a folder under the
 * repository (so `@patchbay/destination-postgres` resolves from its node_modules).
 */
function workspace(schema: string, connectionString = dbUrl, delivery = '') {
  const dir = join(root, 'test', `.warehouse-${process.pid}-${schema}`)
  mkdirSync(dir, { recursive: true })
  dirs.push(dir)
  const tmp = mkdtempSync(join(tmpdir(), 'pb-wh-'))
  dirs.push(tmp)
  writeFileSync(
    join(dir, 'pipeline.yaml'),
    `name: warehouse
sources:
  - id: web
    writeKey: ${WRITE_KEY}
destinations:
  - id: postgres
    use: "@patchbay/destination-postgres"
    config: { connectionString: "${connectionString}", schema: ${schema}, maxEventsPerLoad: 500 }
${delivery}`,
  )
  return {
    pipeline: join(dir, 'pipeline.yaml'),
    duckdb: join(tmp, 'events.duckdb'),
    dataDir: join(tmp, 'data'),
  }
}

/** `patchbay serve <pipeline> --warehouse <file>` as its own process group; resolves with its URL. */
async function serve(files: ReturnType<typeof workspace>) {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      `${root}packages/cli/bin/patchbay.js`,
      'serve',
      files.pipeline,
      '--warehouse',
      files.duckdb,
      '--port',
      '0',
      '--data-dir',
      files.dataDir,
      '--retry-for',
      '10m',
    ],
    { cwd: root, env: { ...process.env, NO_COLOR: '1', PATCHBAY_ADMIN_TOKEN: ADMIN_TOKEN }, detached: true },
  )
  groups.add(child.pid!)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c
  })
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  await until(
    () => /listening on (http:\/\/\S+)/.test(stdout),
    () => stdout + stderr,
    120_000,
  )
  return {
    url: /listening on (http:\/\/\S+)/.exec(stdout)![1]!,
    output: () => stdout + stderr,
    stop: async () => {
      child.kill('SIGTERM')
      return exited
    },
    kill: async () => {
      process.kill(-child.pid!, 'SIGKILL')
      groups.delete(child.pid!)
      await exited
    },
  }
}

/**
 * Waits until the gateway has nothing left to deliver (no pending events, no jobs) per its
 * /metrics, and returns its dead letter count.
 */
async function drained(url: string): Promise<number> {
  let text = ''
  const left = () =>
    text
      .split('\n')
      .filter((l) => l.startsWith('patchbay_queue_jobs{') || l.startsWith('patchbay_queue_pending_events'))
      .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0)
  for (;;) {
    text = await (await fetch(`${url}/metrics`)).text()
    if (text.includes('patchbay_queue_pending_events') && left() === 0) break
    await new Promise((r) => setTimeout(r, 200))
  }
  return text
    .split('\n')
    .filter((l) => l.startsWith('patchbay_dead_letters{'))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0)
}

async function duck<T = Record<string, unknown>>(file: string, sql: string): Promise<T[]> {
  const instance = await DuckDBInstance.create(file)
  const connection = await instance.connect()
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as T[]
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}
const pgRows = async (sql: string) => (await db.query(sql)).rows

const at = new Date('2026-12-01T10:00:00.000Z')

/**
 * A TCP proxy in front of the machine's PostgreSQL: `cut()` destroys every connection through
 * it and stops listening (new connections are refused, as when the server is down), `restore()`
 * listens again on the same port.
 */
async function pgProxy() {
  const target = new URL(ADMIN)
  const sockets = new Set<Socket>()
  let server: Server | undefined
  let port = 0
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname)
        sockets.add(client).add(upstream)
        const drop = () => {
          client.destroy()
          upstream.destroy()
          sockets.delete(client)
          sockets.delete(upstream)
        }
        for (const socket of [client, upstream]) socket.on('error', drop).on('close', drop)
        client.pipe(upstream).pipe(client)
      })
      s.once('error', reject)
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as AddressInfo).port
        server = s
        resolve()
      })
    })
  await listen()
  return {
    port,
    cut: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        sockets.clear()
        server!.close(() => resolve())
      }),
    restore: listen,
  }
}

/** Every call type, from one SDK: prefix keeps the two SDKs' users apart. */
function sendAll(
  sdk: {
    track: (m: object) => void
    identify: (m: object) => void
    page: (m: object) => void
    screen: (m: object) => void
    group: (m: object) => void
    alias: (m: object) => void
  },
  prefix: string,
) {
  const userId = `${prefix}-user`
  sdk.track({
    userId,
    event: 'Order Completed',
    properties: {
      orderId: `${prefix}-o1`,
      revenue: 42.5,
      quantity: 2,
      gift: false,
      products: [{ sku: 'a' }],
      shipping: { city: 'Oslo' },
    },
    timestamp: at,
  })
  sdk.identify({ userId, traits: { email: `${prefix}@example.com`, plan: 'pro', logins: 7 }, timestamp: at })
  sdk.page({ userId, name: 'Pricing', category: 'Docs', properties: { path: '/pricing' }, timestamp: at })
  sdk.screen({ userId, name: 'Settings', properties: { tab: 'billing' }, timestamp: at })
  sdk.group({ userId, groupId: `${prefix}-acme`, traits: { employees: 42 }, timestamp: at })
  sdk.alias({ userId, previousId: `${prefix}-anon`, timestamp: at })
}

const TABLES = ['aliases', 'groups', 'identifies', 'order_completed', 'pages', 'screens', 'tracks', 'users']

describe('SDKs → patchbay serve → PostgreSQL and DuckDB', () => {
  it('lands every call type of both SDKs in the right tables, columns and types', async () => {
    const files = workspace('sdk')
    const gateway = await serve(files)
    const segment = new SegmentAnalytics({
      writeKey: WRITE_KEY,
      host: gateway.url,
      flushAt: 100,
      maxRetries: 1,
    })
    sendAll(segment as never, 'seg')
    await segment.closeAndFlush()
    const rudder = new RudderAnalytics(WRITE_KEY, {
      dataPlaneUrl: gateway.url,
      flushAt: 100,
      flushInterval: 50,
    })
    sendAll(rudder as never, 'rs')
    await new Promise<void>((resolve, reject) =>
      rudder.flush((error?: unknown) => (error ? reject(error) : resolve())),
    )
    // Every call of both SDKs is delivered to both warehouses, none dead-lettered.
    expect(await drained(gateway.url), gateway.output()).toBe(0)
    const loaded = Number(
      (
        await pgRows(
          'SELECT (SELECT count(*) FROM sdk.tracks) + (SELECT count(*) FROM sdk.identifies) + (SELECT count(*) FROM sdk.pages) + (SELECT count(*) FROM sdk.screens) + (SELECT count(*) FROM sdk.groups) + (SELECT count(*) FROM sdk.aliases) AS n',
        )
      )[0].n,
    )
    expect(loaded, gateway.output()).toBe(12)
    expect(await gateway.stop()).toBe(0)

    const pgTables = (
      await pgRows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'sdk' ORDER BY 1")
    ).map((r) => r.table_name)
    const duckTables = (
      await duck<{ table_name: string }>(
        files.duckdb,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1",
      )
    ).map((r) => r.table_name)
    expect(pgTables).toEqual(TABLES)
    expect(duckTables).toEqual(TABLES)

    for (const [table, n] of [
      ['tracks', 2],
      ['order_completed', 2],
      ['identifies', 2],
      ['users', 2],
      ['pages', 2],
      ['screens', 2],
      ['groups', 2],
      ['aliases', 2],
    ] as const) {
      expect([table, Number((await pgRows(`SELECT count(*) AS n FROM sdk.${table}`))[0].n)]).toEqual([
        table,
        n,
      ])
      expect([
        table,
        Number((await duck<{ n: number }>(files.duckdb, `SELECT count(*)::INT AS n FROM ${table}`))[0]!.n),
      ]).toEqual([table, n])
    }
    const pgTypes = Object.fromEntries(
      (
        await pgRows(
          "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'sdk' AND table_name = 'order_completed'",
        )
      ).map((r) => [r.column_name, r.data_type]),
    )
    expect(pgTypes).toMatchObject({
      id: 'text',
      user_id: 'text',
      event: 'text',
      event_text: 'text',
      timestamp: 'timestamp with time zone',
      sent_at: 'timestamp with time zone',
      received_at: 'timestamp with time zone',
      order_id: 'text',
      revenue: 'double precision',
      quantity: 'bigint',
      gift: 'boolean',
      products: 'jsonb',
      shipping_city: 'text',
      context_library_name: 'text',
    })
    const duckTypes = Object.fromEntries(
      (
        await duck<{ column_name: string; data_type: string }>(
          files.duckdb,
          "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'order_completed'",
        )
      ).map((r) => [r.column_name, r.data_type]),
    )
    expect(duckTypes).toMatchObject({
      id: 'VARCHAR',
      timestamp: 'TIMESTAMP WITH TIME ZONE',
      revenue: 'DOUBLE',
      quantity: 'BIGINT',
      gift: 'BOOLEAN',
      products: 'JSON',
      shipping_city: 'VARCHAR',
    })
    expect(
      await pgRows(
        'SELECT user_id, event_text, order_id, revenue, quantity, gift, shipping_city, timestamp FROM sdk.order_completed ORDER BY user_id',
      ),
    ).toEqual([
      {
        user_id: 'rs-user',
        event_text: 'Order Completed',
        order_id: 'rs-o1',
        revenue: 42.5,
        quantity: '2',
        gift: false,
        shipping_city: 'Oslo',
        timestamp: at,
      },
      {
        user_id: 'seg-user',
        event_text: 'Order Completed',
        order_id: 'seg-o1',
        revenue: 42.5,
        quantity: '2',
        gift: false,
        shipping_city: 'Oslo',
        timestamp: at,
      },
    ])
    // The SDKs' own context, flattened: RudderStack's Node SDK names itself analytics-node too.
    expect(await pgRows('SELECT user_id, context_library_name FROM sdk.tracks ORDER BY user_id')).toEqual([
      { user_id: 'rs-user', context_library_name: 'analytics-node' },
      { user_id: 'seg-user', context_library_name: '@segment/analytics-node' },
    ])
    expect(await pgRows('SELECT id, email, plan, logins FROM sdk.users ORDER BY id')).toEqual([
      { id: 'rs-user', email: 'rs@example.com', plan: 'pro', logins: '7' },
      { id: 'seg-user', email: 'seg@example.com', plan: 'pro', logins: '7' },
    ])
    expect(await duck(files.duckdb, 'SELECT id, email, plan, logins FROM users ORDER BY id')).toEqual([
      { id: 'rs-user', email: 'rs@example.com', plan: 'pro', logins: '7' },
      { id: 'seg-user', email: 'seg@example.com', plan: 'pro', logins: '7' },
    ])
    expect(await pgRows('SELECT name, category, path FROM sdk.pages ORDER BY user_id')).toEqual([
      { name: 'Pricing', category: 'Docs', path: '/pricing' },
      { name: 'Pricing', category: 'Docs', path: '/pricing' },
    ])
    expect(await pgRows('SELECT name, tab FROM sdk.screens ORDER BY user_id')).toEqual([
      { name: 'Settings', tab: 'billing' },
      { name: 'Settings', tab: 'billing' },
    ])
    expect(await pgRows('SELECT group_id, employees FROM sdk.groups ORDER BY group_id')).toEqual([
      { group_id: 'rs-acme', employees: '42' },
      { group_id: 'seg-acme', employees: '42' },
    ])
    expect(await duck(files.duckdb, 'SELECT previous_id, user_id FROM aliases ORDER BY user_id')).toEqual([
      { previous_id: 'rs-anon', user_id: 'rs-user' },
      { previous_id: 'seg-anon', user_id: 'seg-user' },
    ])

    // A regulation `suppress_with_delete` for the Segment user reaches both warehouse
    // destinations through the gateway: its audit status becomes done, and the user's rows are
    // gone from every table of both warehouses, the RudderStack user's untouched.
    const again = await serve(files)
    const adminApi = (path: string, init: RequestInit = {}) =>
      fetch(`${again.url}/admin/${path}`, {
        ...init,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { id: number; deletions: Array<{ status: string }> },
      }))
    const created = await adminApi('regulations', {
      method: 'POST',
      body: JSON.stringify({
        type: 'suppress_with_delete',
        identifiers: [
          { type: 'userId', value: 'seg-user' },
          { type: 'email', value: 'seg@example.com' },
        ],
      }),
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    let audit: { deletions: Array<{ status: string }> } | undefined
    for (const deadline = Date.now() + 120_000; ; ) {
      audit = (await adminApi(`regulations/${created.body.id}`)).body
      if (audit.deletions.every((d) => d.status !== 'pending')) break
      if (Date.now() > deadline)
        throw new Error(`deletions still pending: ${JSON.stringify(audit)}\n${again.output()}`)
      await new Promise((r) => setTimeout(r, 200))
    }
    expect(audit!.deletions.map((d) => d.status)).toEqual(['done', 'done'])
    expect(await again.stop()).toBe(0)
    for (const table of TABLES) {
      const where = table === 'users' ? 'id' : 'user_id'
      const users = (rows: Array<Record<string, unknown>>) => rows.map((r) => r.u).sort()
      expect([table, users(await pgRows(`SELECT ${where} AS u FROM sdk.${table}`))]).toEqual([
        table,
        ['rs-user'],
      ])
      expect([table, users(await duck(files.duckdb, `SELECT ${where} AS u FROM ${table}`))]).toEqual([
        table,
        ['rs-user'],
      ])
    }
  }, 300_000)

  it('an outage of PostgreSQL during loads: events are kept and retried, then every acknowledged one is loaded exactly once', async () => {
    const proxy = await pgProxy()
    const through = new URL(dbUrl)
    through.port = String(proxy.port)
    const files = workspace(
      'outage',
      through.toString(),
      // Retried soon, so the test waits for the outage, not for the backoff.
      '    delivery: { retry: { baseDelayMs: 100, maxDelayMs: 500 } }\n',
    )
    const gateway = await serve(files)
    const acknowledged: string[] = []
    const auth = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`
    const send = async (from: number, count: number) => {
      const batch = Array.from({ length: count }, (_, k) => ({
        type: 'track',
        event: 'Item Viewed',
        messageId: `outage-${from + k}`,
        userId: `user-${(from + k) % 17}`,
        properties: { n: from + k },
        timestamp: at.toISOString(),
      }))
      const response = await fetch(`${gateway.url}/v1/batch`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ batch }),
      })
      expect(response.status).toBe(200)
      acknowledged.push(...batch.map((e) => e.messageId))
    }
    for (let i = 0; i < 10; i++) await send(i * 100, 100)
    // PostgreSQL goes away while the workers load: connections in use are cut, new ones refused.
    await proxy.cut()
    for (let i = 10; i < 20; i++) await send(i * 100, 100)
    // The loads fail and are retried (the gateway keeps the events, nothing is dead-lettered).
    const retried =
      /^patchbay_deliveries_total\{(?=[^}]*destination="postgres")(?=[^}]*status="retried")[^}]*\} (\d+)/m
    let metrics = ''
    for (const deadline = Date.now() + 30_000; Number(retried.exec(metrics)?.[1] ?? 0) === 0; ) {
      if (Date.now() > deadline) throw new Error(`no load was retried during the outage: ${gateway.output()}`)
      await new Promise((r) => setTimeout(r, 100))
      metrics = await (await fetch(`${gateway.url}/metrics`)).text()
    }
    await new Promise((r) => setTimeout(r, 1_000))
    await proxy.restore()
    expect(await drained(gateway.url), gateway.output()).toBe(0)
    expect(await gateway.stop()).toBe(0)
    // A connection cut while checked out is an error of its load, not an uncaught exception.
    expect(gateway.output()).not.toContain('unexpected exception')
    expect(acknowledged).toHaveLength(2_000)
    const ids = (await pgRows('SELECT id FROM outage.item_viewed')).map((r) => r.id as string)
    expect(ids.sort()).toEqual([...acknowledged].sort())
    expect(Number((await pgRows('SELECT count(*) AS n FROM outage.tracks'))[0].n)).toBe(2_000)
    await proxy.cut()
  }, 120_000)

  it('a gateway killed with SIGKILL during loads: every acknowledged event is in both warehouses exactly once', async () => {
    const files = workspace('crash')
    let gateway = await serve(files)
    const acknowledged: string[] = []
    const auth = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`
    const send = async (url: string, from: number, count: number) => {
      const batch = Array.from({ length: count }, (_, k) => ({
        type: 'track',
        event: 'Item Viewed',
        messageId: `crash-${from + k}`,
        userId: `user-${(from + k) % 17}`,
        properties: { n: from + k },
        timestamp: at.toISOString(),
      }))
      const response = await fetch(`${url}/v1/batch`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ batch }),
      }).catch(() => undefined)
      if (response?.status === 200) acknowledged.push(...batch.map((e) => e.messageId))
    }
    for (let i = 0; i < 20; i++) await send(gateway.url, i * 100, 100)
    // Killed while its workers load the 2,000 events it acknowledged.
    await gateway.kill()
    gateway = await serve(files)
    for (let i = 20; i < 30; i++) await send(gateway.url, i * 100, 100)
    expect(acknowledged).toHaveLength(3_000)
    expect(await drained(gateway.url), gateway.output()).toBe(0)
    expect(await gateway.stop()).toBe(0)
    const pgIds = (await pgRows('SELECT id FROM crash.item_viewed')).map((r) => r.id as string)
    const duckIds = (await duck<{ id: string }>(files.duckdb, 'SELECT id FROM item_viewed')).map((r) => r.id)
    const want = [...acknowledged].sort()
    expect(pgIds.sort()).toEqual(want)
    expect(duckIds.sort()).toEqual(want)
    expect(Number((await pgRows('SELECT count(*) AS n FROM crash.tracks'))[0].n)).toBe(3_000)
  }, 300_000)
})
