import './error-codes.ts'
import { createRedactor, PatchbayError } from '@patchbay/core'
import type pg from 'pg'
import { passwordForms, redactUrl, toEdge, toMerge, toNode } from './_pg-rows.ts'
import { LOCK_CLASS, prepareSchema } from './_pg-schema.ts'
import type { GraphChanges, IdentityStore, StoredGraph } from './identity-store.ts'

export interface PostgresIdentityStoreOptions {
  /** `postgres://user[:password]@host[:port]/database`: the gateway's store URL. Its password is never printed. */
  url: string
  /** The schema the `identity_*` tables live in. Default `patchbay`, next to the gateway's queue. */
  schema?: string
  /** Connections. Default 2: one writes, one answers lookups. */
  poolSize?: number
  /** Read only: create nothing, and refuse to write (tools). */
  readOnly?: boolean
}

/**
 * The identity graph in PostgreSQL, shared by every gateway node given the same database:
 * tables `identity_nodes`, `identity_edges` and `identity_merges` (and `identity_meta`: the
 * schema version and the write sequence) in the `patchbay` schema. Every row carries the
 * sequence number of the write that last changed it. A write takes a transaction-scoped
 * advisory lock, reads what other nodes wrote since this node's last sequence, lets the
 * graph take it in and stitch, and commits, all in one transaction: a node killed at any
 * point leaves the graph as of the last whole write.
 *
 * @example
 * const store = await openPostgresIdentityStore({ url: process.env.PATCHBAY_STORE_URL! })
 * const graph = await openIdentityGraph({ store, settings: pipeline.identity })
 */
export async function openPostgresIdentityStore(
  options: PostgresIdentityStoreOptions,
): Promise<IdentityStore> {
  const schema = options.schema ?? 'patchbay'
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new PatchbayError(
      'PB_IDENTITY_STORE',
      `"${schema}" is not a schema name the identity store takes: lower-case letters, digits and _, starting with a letter or _`,
    )
  const where = `${redactUrl(options.url)} (schema ${schema})`
  const redactor = createRedactor(passwordForms(options.url))
  const { default: driver } = await import('pg')
  // int8 as numbers: node ids and sequence numbers stay far below 2^53.
  const getTypeParser = (oid: number, format?: 'text') =>
    oid === 20 ? (value: string) => Number(value) : driver.types.getTypeParser(oid, format)
  const pool = new driver.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 2,
    types: { getTypeParser } as never,
    connectionTimeoutMillis: 5_000,
    query_timeout: 60_000,
    keepAlive: true,
    idleTimeoutMillis: 30_000,
    application_name: 'patchbay-identity',
    // Every query is an index probe or a read of the whole graph at open: JIT compilation would
    // only add its own milliseconds (it did: 25 ms a batch, on a table whose statistics were stale).
    options: '-c jit=off',
  })
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  const t = (table: string) => `${schema}.${table}`

  try {
    const client = await pool.connect()
    try {
      await prepareSchema(client, schema, !!options.readOnly)
    } finally {
      client.release()
    }
  } catch (cause) {
    await pool.end().catch(() => {})
    const reason = redactor.string(cause instanceof Error ? cause.message : String(cause))
    throw new PatchbayError('PB_IDENTITY_STORE', `Cannot open the identity graph in ${where}: ${reason}`, {
      cause,
      hint: 'Check that the database is reachable and that its user may create tables in the schema; a database written by a newer Patchbay needs that version.',
    })
  }

  /** The last write sequence this store has seen (its own writes, loads and catch-ups). */
  let last = 0

  /**
   * The transaction's opening and reads, in one round trip (the simple protocol, so several
   * statements; `since` is a number): the write sequence, then every row changed after
   * `since`. Under the lock, or in a REPEATABLE READ snapshot, they all see the same writes.
   */
  const opening = (begin: string, since: number) => {
    const after = Math.trunc(since)
    // The sequence test is evaluated once (a one-time filter): when no one wrote, no table is
    // scanned at all. No ORDER BY (the graph sorts by id): a sort planned for the table's
    // estimated rows cost 20 ms even when it got none.
    const moved = `(SELECT value FROM ${t('identity_meta')} WHERE key = 'seq') > ${after}`
    return `${begin};
     SELECT value FROM ${t('identity_meta')} WHERE key = 'seq';
     SELECT id, type, value, first_ts, first_message_id, blocked, canonical_id FROM ${t('identity_nodes')} WHERE ${moved} AND seq > ${after};
     SELECT a, b, priority, ts, message_id, status, reason FROM ${t('identity_edges')} WHERE ${moved} AND seq > ${after}`
  }
  const lockStatement = `SELECT pg_advisory_xact_lock(${LOCK_CLASS}, hashtext('${schema}'))`

  /** Opens a transaction with `opening(begin, since)`, runs `fn` on what it read, and commits; rolls back when anything throws. */
  async function transaction<T>(
    begin: string,
    since: number,
    fn: (client: pg.PoolClient, read: { seq: number; news: StoredGraph }) => Promise<T>,
  ): Promise<T> {
    const client = await pool.connect()
    let broken: Error | undefined
    try {
      try {
        const results = (await client.query(opening(begin, since))) as unknown as pg.QueryResult[]
        const [seqRows, nodes, edges] = results.slice(-3) as [pg.QueryResult, pg.QueryResult, pg.QueryResult]
        const read = {
          seq: Number(seqRows.rows[0]?.value ?? 0),
          news: { nodes: nodes.rows.map(toNode), edges: edges.rows.map(toEdge) },
        }
        const result = await fn(client, read)
        await client.query('COMMIT')
        return result
      } catch (error) {
        await client.query('ROLLBACK').catch((e: Error) => (broken = e))
        throw error
      }
    } finally {
      client.release(broken)
    }
  }
  const snapshot = (since: number) =>
    transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', since, async (_, read) => read)

  /**
   * One statement for the whole write (each data-modifying CTE sees the same snapshot, and
   * the tables differ). A node id names one identifier forever: a node row whose id holds
   * another identifier is not updated, and the write is refused whole when the count shows it.
   */
  const writeStatement = `
    WITH s AS (UPDATE ${t('identity_meta')} SET value = $1 WHERE key = 'seq' RETURNING 1),
    n AS (
      INSERT INTO ${t('identity_nodes')} (id, type, value, first_ts, first_message_id, blocked, canonical_id, seq)
      SELECT u.*, $1::bigint FROM unnest($2::bigint[], $3::text[], $4::text[], $5::float8[], $6::text[], $7::boolean[], $8::text[]) AS u
      ON CONFLICT (id) DO UPDATE SET first_ts = excluded.first_ts, first_message_id = excluded.first_message_id,
        blocked = excluded.blocked, canonical_id = excluded.canonical_id, seq = excluded.seq
      WHERE ${t('identity_nodes')}.type = excluded.type AND ${t('identity_nodes')}.value = excluded.value
      RETURNING 1
    ),
    e AS (
      INSERT INTO ${t('identity_edges')} (a, b, priority, ts, message_id, status, reason, seq)
      SELECT u.*, $1::bigint FROM unnest($9::bigint[], $10::bigint[], $11::int[], $12::float8[], $13::text[], $14::text[], $15::text[]) AS u
      ON CONFLICT (a, b) DO UPDATE SET priority = excluded.priority, ts = excluded.ts, message_id = excluded.message_id,
        status = excluded.status, reason = excluded.reason, seq = excluded.seq
      RETURNING 1
    ),
    m AS (
      INSERT INTO ${t('identity_merges')} (kind, from_id, from_node, to_id, to_node, nodes, ts, message_id)
      SELECT * FROM unnest($16::text[], $17::text[], $18::bigint[], $19::text[], $20::bigint[], $21::int[], $22::float8[], $23::text[])
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM n)::int AS nodes, (SELECT count(*) FROM e)::int AS edges,
      (SELECT count(*) FROM m)::int AS log, (SELECT count(*) FROM s)::int AS seq`

  async function writeChanges(client: pg.ClientBase, changes: GraphChanges, seq: number): Promise<void> {
    const { nodes, edges, log } = changes
    const { rows } = await client.query({
      name: `identity-write-${schema}`,
      text: writeStatement,
      values: [
        seq,
        nodes.map((n) => n.id),
        nodes.map((n) => n.type),
        nodes.map((n) => n.value),
        nodes.map((n) => n.firstTs),
        nodes.map((n) => n.firstMessageId),
        nodes.map((n) => n.blocked),
        nodes.map((n) => n.canonicalId),
        edges.map((e) => e.a),
        edges.map((e) => e.b),
        edges.map((e) => e.priority),
        edges.map((e) => e.ts),
        edges.map((e) => e.messageId),
        edges.map((e) => e.status),
        edges.map((e) => e.reason ?? null),
        log.map((m) => m.kind),
        log.map((m) => m.from),
        log.map((m) => m.fromNode),
        log.map((m) => m.to),
        log.map((m) => m.toNode),
        log.map((m) => m.nodes),
        log.map((m) => m.ts),
        log.map((m) => m.messageId),
      ],
    })
    if (rows[0].nodes !== nodes.length)
      throw new Error(
        `identity store ${where}: another node gave some of these node ids to other identifiers; the graph reloads and retries`,
      )
  }

  const write = async (work: (news: StoredGraph) => GraphChanges): Promise<void> => {
    if (options.readOnly) throw new Error(`the identity graph in ${where} is open read-only`)
    // The lock is held until COMMIT or ROLLBACK; a killed node's connection closes and lets it go.
    last = await transaction(`BEGIN; ${lockStatement}`, last, async (client, { seq, news }) => {
      const changes = work(news)
      if (changes.nodes.length + changes.edges.length + changes.log.length === 0) return seq
      await writeChanges(client, changes, seq + 1)
      return seq + 1
    })
  }

  return {
    where,
    async load() {
      const { seq, news } = await snapshot(0)
      last = seq
      return news
    },
    commit(changes) {
      return write(() => changes)
    },
    async history(canonicalIds, limit) {
      if (canonicalIds.length === 0) return []
      const { rows } = await pool.query(
        `SELECT kind, from_id, from_node, to_id, to_node, nodes, ts, message_id FROM ${t('identity_merges')}
         WHERE from_id = ANY($1) OR to_id = ANY($1) ORDER BY seq LIMIT $2`,
        [canonicalIds, limit],
      )
      return rows.map(toMerge)
    },
    async historySize() {
      const { rows } = await pool.query(`SELECT count(*)::bigint AS n FROM ${t('identity_merges')}`)
      return Number(rows[0].n)
    },
    async close() {
      await pool.end()
    },
    shared: {
      async catchUp() {
        const { seq, news } = await snapshot(last)
        last = Math.max(last, seq)
        return news
      },
      write,
    },
  }
}
