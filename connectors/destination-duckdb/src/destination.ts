import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { AbortedError, ConfigurationError, defineClientDestination, RetryableError } from '@patchbay/core'
import { duckdbDialect, type WarehouseEvent, type WarehouseSchema } from '@patchbay/warehouse'
import pkg from '../package.json' with { type: 'json' }
import { deleteUsers } from './_delete-users.ts'
import { type LoadResult, loadGroup } from './_load-batches.ts'
import { joinGroup, type LoadGroup } from './_load-group.ts'
import { type LoaderCache, newLoaderCache } from './_loader.ts'
import { TRANSIENT } from './_transient.ts'
import { DuckdbConfigSchema } from './config.ts'

/** The open database: one connection, loads one at a time (DuckDB has one writer). */
export interface DuckdbClient {
  instance: DuckDBInstance
  connection: Awaited<ReturnType<DuckDBInstance['connect']>>
  schemaName: string
  schema: WarehouseSchema | undefined
  /** The connection's staging tables and column orders, kept from batch to batch. */
  cache: LoaderCache
  /** The connection's work in order (loads one group at a time, deletions), and the group still open. */
  queue: Promise<unknown>
  gathering: LoadGroup<WarehouseEvent, LoadResult> | undefined
  /** Events in one load at most: `maxEventsPerLoad`. */
  maxEvents: number
}

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
      gathering: undefined,
      maxEvents: config.maxEventsPerLoad ?? 10_000,
    }
  },
  // After the loads and deletions already queued: a load is never cut off by its connection closing.
  async close(client) {
    await client.queue
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
  // Batches that arrive while a load runs are loaded together next, in one transaction.
  deliverBatch: (events, { client }) =>
    joinGroup(client, events as WarehouseEvent[], client.maxEvents, (batches) => loadGroup(client, batches)),
})
