import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { AbortedError, ConfigurationError, defineClientDestination, RetryableError } from '@patchbay/core'
import { duckdbDialect, type WarehouseEvent, type WarehouseSchema } from '@patchbay/warehouse'
import pkg from '../package.json' with { type: 'json' }
import { deleteUsers } from './_delete-users.ts'
import { type LoaderCache, loadBatch, newLoaderCache, readSchema } from './_loader.ts'
import { DuckdbConfigSchema } from './config.ts'

/** The open database: one connection, loads one at a time (DuckDB has one writer). */
export interface DuckdbClient {
  instance: DuckDBInstance
  connection: Awaited<ReturnType<DuckDBInstance['connect']>>
  schemaName: string
  schema: WarehouseSchema | undefined
  /** The connection's staging tables and column orders, kept from batch to batch. */
  cache: LoaderCache
  /** The load in progress: the next one waits for it. */
  queue: Promise<unknown>
}

/**
 * DuckDB errors that another attempt can fix: the file is locked by another process, I/O,
 * and the network (a database on a network file system or a remote attachment).
 */
const TRANSIENT =
  /could not set lock|io error|resource temporarily|interrupted|transaction conflict|conflict on|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN/i

/**
 * Lands events in a DuckDB file: `patchbay serve --warehouse ./events.duckdb` uses it.
 * Tables, columns and types are those of @patchbay/warehouse; see docs/destinations/duckdb.md.
 */
export default defineClientDestination({
  name: pkg.name,
  version: pkg.version,
  // 3: the deleteUsers hook (regulations).
  apiVersion: 3,
  title: 'DuckDB',
  description: 'Events into a DuckDB file, in the Segment/RudderStack warehouse shape.',
  config: DuckdbConfigSchema,
  examples: [{ path: './events.duckdb' }],
  supports: ['track', 'identify', 'page', 'screen', 'group', 'alias'],
  batch: (config) => ({ maxEvents: config.maxEventsPerLoad ?? 10_000, maxBytes: 50_000_000 }),
  async open(config): Promise<DuckdbClient> {
    const path = config.path === ':memory:' ? ':memory:' : resolve(config.path)
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    const instance = await DuckDBInstance.create(path)
    const connection = await instance.connect()
    const schemaName = config.schema ?? 'main'
    await connection.run(`CREATE SCHEMA IF NOT EXISTS ${duckdbDialect.quote(schemaName)}`)
    return {
      instance,
      connection,
      schemaName,
      schema: undefined,
      cache: newLoaderCache(),
      queue: Promise.resolve(),
    }
  },
  close(client) {
    client.connection.closeSync()
    client.instance.closeSync()
  },
  classify(error) {
    const message = error instanceof Error ? error.message : String(error)
    const code = String((error as { code?: unknown } | null)?.code ?? '')
    // Before the transient check: "IO Error: Cannot open file ...: Permission denied" is
    // an I/O error that no retry fixes.
    if (/permission denied|read-only|cannot open file|no such file/i.test(message))
      return new ConfigurationError(`DuckDB cannot write the database file: ${message}`, {
        cause: error,
        hint: 'Check the `path` setting and that this process may write there.',
      })
    if (TRANSIENT.test(message) || TRANSIENT.test(code))
      return new RetryableError(`DuckDB: ${message}`, { cause: error })
    // A load the engine refused for its data (a cast, a constraint): trying again fails again.
    return new AbortedError(`DuckDB refused the load: ${message}`, { cause: error })
  },
  // A regulation `suppress_with_delete`: the users' rows go from every table, in one transaction.
  deleteUsers: (identifiers, { client }) => deleteUsers(client, identifiers),
  async deliverBatch(events, { client }) {
    const load = async (batch: WarehouseEvent[]) => {
      client.schema ??= await readSchema(client.connection, client.schemaName)
      try {
        await loadBatch(client.connection, client.schema, client.schemaName, batch, client.cache)
      } catch (error) {
        client.schema = undefined // read again: the failed load may have raced another writer
        throw error
      }
    }
    const run = client.queue.then(async () => {
      try {
        await load(events as WarehouseEvent[])
        return events.map(() => null)
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        if (events.length === 1 || TRANSIENT.test(message)) throw error
        // The engine refused the batch for its data: load event by event, so only the
        // events it refuses fail (and become dead letters), not their whole batch.
        const results = []
        for (const event of events) {
          try {
            await load([event as WarehouseEvent])
            results.push(null)
          } catch (one) {
            const text = one instanceof Error ? one.message : String(one)
            if (TRANSIENT.test(text)) throw one
            results.push(new AbortedError(`DuckDB refused event ${event.messageId}: ${text}`, { cause: one }))
          }
        }
        return results
      }
    })
    client.queue = run.catch(() => undefined)
    return run
  },
})
