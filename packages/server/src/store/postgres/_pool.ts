import pg from 'pg'
import { markUnavailable } from '../_unavailable.ts'

/** SQLSTATE classes and Node errors that mean "the database is not there", not "the query is wrong". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
])

/** Whether a driver error means the database cannot be reached right now. */
export function isConnectionError(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined
  if (!e) return false
  if (e.code && (UNAVAILABLE_CODES.has(e.code) || e.code.startsWith('08'))) return true
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection is closed|Client has encountered a connection error/i.test(
    e.message ?? '',
  )
}

/** `error`, marked store-unavailable when it is a connection error (ingest answers 503). */
export function classify(error: unknown): unknown {
  if (error instanceof Error && isConnectionError(error)) return markUnavailable(error)
  return error
}

/** int8 (bigint) columns as numbers: ids, sequence numbers and millisecond times stay below 2^53. */
export const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as never,
}

export interface PoolOptions {
  url: string
  poolSize: number
  /**
   * Commit durably (synchronous_commit on) by default: the pool of appends, whose single
   * INSERT then needs no BEGIN, SET LOCAL or COMMIT round trip. Default false (bookkeeping).
   */
  durable?: boolean
  /**
   * How long a query may go unanswered before its connection is dropped (a stalled one never
   * answers). Default 30 s; appends use less, so that their few connections come back soon
   * after the database does.
   */
  queryTimeoutMs?: number
}

/**
 * A connection pool whose connections run bookkeeping with synchronous_commit off; appends
 * turn it on for their own transaction (see _events.ts). Bitmap scans are off: every query
 * of the store is an index probe or an index-ordered scan with a LIMIT, and the planner only
 * prefers a bitmap scan (then a sort of every due job) when the statistics of a queue table
 * that filled up since the last ANALYZE say it is small: that turned a claim of 100 ordered
 * jobs from 50,000 queued from about 1 ms into 300 ms (the NOT EXISTS key check ran on
 * every due job instead of until 100 were found). Idle connections that die (the
 * server restarted) are dropped quietly: the next query opens a new one.
 */
export function createPool({
  url,
  poolSize,
  durable = false,
  queryTimeoutMs = 30_000,
}: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types,
    connectionTimeoutMillis: 5_000,
    query_timeout: queryTimeoutMs,
    keepAlive: true,
    idleTimeoutMillis: 30_000,
    options: `-c synchronous_commit=${durable ? 'on' : 'off'} -c enable_bitmapscan=off`,
    application_name: durable ? 'patchbay-gateway-appends' : 'patchbay-gateway',
  })
  pool.on('error', () => {})
  // A connection that dies between two queries of a transaction emits 'error' on its client:
  // the next query fails with it anyway (and the store reports it), so it must not crash the node.
  pool.on('connect', (client) => client.on('error', () => {}))
  return pool
}

export type Query = (name: string, text: string, values?: unknown[]) => Promise<pg.QueryResult>

/** A query function on one client, with named (prepared) statements. */
export const queryOn =
  (client: pg.ClientBase): Query =>
  (name, text, values = []) =>
    client.query({ name, text, values })

/**
 * Runs `fn` in a transaction on a pooled connection: committed when it resolves, rolled back
 * when it rejects. Connection errors come back marked store-unavailable.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (query: Query) => Promise<T>,
  { durable = false } = {},
): Promise<T> {
  let client: pg.PoolClient
  try {
    client = await pool.connect()
  } catch (error) {
    throw classify(error)
  }
  let broken: unknown
  try {
    await client.query(durable ? 'BEGIN; SET LOCAL synchronous_commit = on' : 'BEGIN')
    try {
      const result = await fn(queryOn(client))
      await client.query('COMMIT')
      return result
    } catch (error) {
      if (isConnectionError(error)) broken = error
      else await client.query('ROLLBACK').catch((e: unknown) => (broken = e))
      throw error
    }
  } catch (error) {
    if (isConnectionError(error)) broken ??= error
    throw classify(error)
  } finally {
    client.release(broken instanceof Error ? broken : undefined)
  }
}

/** One statement on a pooled connection (its own transaction). */
export async function queryOnce(pool: pg.Pool, name: string, text: string, values: unknown[] = []) {
  let client: pg.PoolClient
  try {
    client = await pool.connect()
  } catch (error) {
    throw classify(error)
  }
  let broken: Error | undefined
  try {
    return await client.query({ name, text, values })
  } catch (error) {
    if (isConnectionError(error)) broken = error as Error
    throw classify(error)
  } finally {
    client.release(broken)
  }
}
