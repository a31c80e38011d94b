import { AbortedError, defineClientDestination } from '@patchbay/core'
import { postgresDialect, type WarehouseEvent, type WarehouseSchema } from '@patchbay/warehouse'
import pg from 'pg'
import pkg from '../package.json' with { type: 'json' }
import { classifyPgError } from './_classify.ts'
import { deleteUsers } from './_delete-users.ts'
import { loadBatch, readSchema } from './_loader.ts'
import { PostgresConfigSchema } from './config.ts'

/** The pool, and the schema as the loads last saw it. */
export interface PostgresClient {
  pool: pg.Pool
  schemaName: string
  schema: WarehouseSchema | undefined
  /** The load in progress: loads of one destination run one at a time (the schema cache is shared). */
  queue: Promise<unknown>
}

/**
 * Whether a failed batch is loaded again event by event, so that only the events the server
 * refuses fail: every error that is not retryable (a connection, a lock) or configuration (a
 * password): data errors (22, 23), and also the limits one event can hit (54: 1,600
 * columns, a row or an index entry too big) or any other refusal of what a batch holds.
 */
const isEventError = (classified: unknown) => classified instanceof AbortedError

/**
 * Lands events in PostgreSQL, in the tables of @patchbay/warehouse (Segment/RudderStack
 * shape): COPY into a staging table and an idempotent merge, one transaction per batch.
 * See docs/destinations/postgres.md.
 */
export default defineClientDestination({
  name: pkg.name,
  version: pkg.version,
  // 3: the deleteUsers hook (regulations).
  apiVersion: 3,
  title: 'PostgreSQL',
  description: 'Events into PostgreSQL, in the Segment/RudderStack warehouse shape.',
  config: PostgresConfigSchema,
  examples: [{ connectionString: 'postgres://loader:secret@127.0.0.1:5432/analytics', schema: 'events' }],
  supports: ['track', 'identify', 'page', 'screen', 'group', 'alias'],
  batch: (config) => ({ maxEvents: config.maxEventsPerLoad ?? 5_000, maxBytes: 50_000_000 }),
  open(config): PostgresClient {
    const pool = new pg.Pool({
      connectionString: config.connectionString,
      max: config.poolSize ?? 4,
      connectionTimeoutMillis: 10_000,
      application_name: 'patchbay',
    })
    // An idle connection the server dropped: the next load gets a new one.
    pool.on('error', () => undefined)
    return { pool, schemaName: config.schema ?? 'public', schema: undefined, queue: Promise.resolve() }
  },
  async close(client) {
    await client.pool.end()
  },
  // What `open` or a load throws outside deliverBatch's own handling; the runtime redacts the
  // connection string (a Secret) from the message.
  classify: (error) => classifyPgError(error, ''),
  async check({ config }) {
    const pool = new pg.Pool({
      connectionString: config.connectionString,
      max: 1,
      connectionTimeoutMillis: 10_000,
    })
    try {
      await pool.query('SELECT 1')
    } catch (error) {
      throw classifyPgError(error, config.connectionString)
    } finally {
      await pool.end()
    }
  },
  // A regulation `suppress_with_delete`: the users' rows go from every table, in one transaction.
  deleteUsers: (identifiers, { client }) => deleteUsers(client, identifiers),
  async deliverBatch(events, { client, config }) {
    const classify = (error: unknown) => classifyPgError(error, config.connectionString)
    const load = (batch: WarehouseEvent[]) => {
      const run = client.queue.then(() => loadOnce(batch))
      client.queue = run.catch(() => undefined)
      return run
    }
    const loadOnce = async (batch: WarehouseEvent[]) => {
      const connection = await client.pool.connect()
      // A connection that dies while checked out (the server restarts, the network drops)
      // emits 'error' besides failing its query: without a listener that would be an
      // uncaught exception. The query's rejection is what classifies the failure.
      const ignore = () => undefined
      connection.on('error', ignore)
      let failed: Error | undefined
      try {
        if (!client.schema) {
          await connection.query(`CREATE SCHEMA IF NOT EXISTS ${postgresDialect.quote(client.schemaName)}`)
          client.schema = await readSchema(connection, client.schemaName)
        }
        await loadBatch(connection, client.schema, client.schemaName, batch)
      } catch (error) {
        client.schema = undefined // read again: another loader may have changed it
        failed = error instanceof Error ? error : new Error(String(error))
        throw error
      } finally {
        connection.off('error', ignore)
        // After a failure the connection is closed, not pooled: it may be the broken one.
        connection.release(failed)
      }
    }
    try {
      await load(events as WarehouseEvent[])
      return events.map(() => null)
    } catch (error) {
      const classified = classify(error)
      if (events.length === 1 || !isEventError(classified)) throw classified
      const results = []
      for (const event of events) {
        try {
          await load([event as WarehouseEvent])
          results.push(null)
        } catch (one) {
          const refused = classify(one)
          if (!isEventError(refused)) throw refused
          results.push(refused)
        }
      }
      return results
    }
  },
})
