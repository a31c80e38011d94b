import type { DuckDBConnection } from '@duckdb/node-api'
import {
  applyChanges,
  applyIdentityStamps,
  CALL_TABLE_NAMES,
  type ColumnType,
  changeSql,
  duckdbDialect as dialect,
  mergeSql,
  planLoad,
  qualified,
  RESERVED_TABLES,
  rowsWithIds,
  type SchemaChange,
  type TableLoad,
  USERS_TABLE,
  usersOfInserted,
  type WarehouseEvent,
  type WarehouseSchema,
} from '@patchbay/warehouse'
import { appendRows } from './_append.ts'

const FROM_SQL: Record<string, ColumnType> = {
  BIGINT: 'int',
  INTEGER: 'int',
  DOUBLE: 'float',
  BOOLEAN: 'boolean',
  'TIMESTAMP WITH TIME ZONE': 'timestamp',
  JSON: 'json',
}

/** The tables and columns already in the schema: read once at open, and after a failed load. */
export async function readSchema(connection: DuckDBConnection, schemaName: string): Promise<WarehouseSchema> {
  const reader = await connection.runAndReadAll(
    'SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position',
    [schemaName],
  )
  const schema: WarehouseSchema = new Map()
  for (const [table, column, type] of reader.getRows() as Array<[string, string, string]>) {
    let columns = schema.get(table)
    if (!columns) {
      columns = new Map()
      schema.set(table, columns)
    }
    columns.set(column, FROM_SQL[type] ?? 'string')
  }
  return schema
}

/** The staging column type: values go in natively where the appender can, as text otherwise. */
const STAGE_TYPE: Record<ColumnType, string> = {
  int: 'BIGINT',
  float: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'VARCHAR',
  string: 'VARCHAR',
  json: 'VARCHAR',
}

/**
 * What a connection keeps between loads: a temporary staging table per target table and
 * column list (made once, emptied after each merge), and the column order of the event
 * tables the appender writes into directly.
 */
export interface LoaderCache {
  stages: Map<string, string>
  order: Map<string, string[]>
}

export const newLoaderCache = (): LoaderCache => ({ stages: new Map(), order: new Map() })

/**
 * Loads a batch in one transaction, exactly once per id. Optimistic first: most batches
 * hold only ids the warehouse has never seen, so every table but `users` gets its rows
 * through an appender straight into the table, and the primary key checks each id. An id
 * already there (a redelivery, a batch retried after a crash) fails that append with a
 * duplicate key: the transaction rolls back, whole, and the batch is loaded again with a
 * merge everywhere (an appender into a staging table and one `ON CONFLICT DO NOTHING`
 * insert per table). `users` is always merged: a later identify updates its row.
 *
 * The cached schema learns the changes once the transaction commits. A failed load forgets
 * the stages and the column orders (a rollback drops the stages it made).
 */
export async function loadBatch(
  connection: DuckDBConnection,
  schema: WarehouseSchema,
  schemaName: string,
  events: readonly WarehouseEvent[],
  cache: LoaderCache = newLoaderCache(),
): Promise<void> {
  try {
    await loadOnce(connection, schema, schemaName, events, cache, true)
  } catch (error) {
    if (!/duplicate key/i.test(error instanceof Error ? error.message : String(error))) throw error
    await loadOnce(connection, schema, schemaName, events, cache, false)
  }
}

async function loadOnce(
  connection: DuckDBConnection,
  schema: WarehouseSchema,
  schemaName: string,
  events: readonly WarehouseEvent[],
  cache: LoaderCache,
  direct: boolean,
): Promise<void> {
  const plan = planLoad(events, schema, dialect)
  let identity: SchemaChange[] = []
  if (cache.stages.size > MAX_STAGES) await forget(connection, cache)
  await connection.run('BEGIN TRANSACTION')
  try {
    for (const change of plan.changes) {
      cache.order.delete(change.table)
      for (const sql of changeSql(change, dialect, schemaName)) await connection.run(sql)
    }
    // Merging, a track's event-table row goes in only when its `tracks` row was new (as in
    // PostgreSQL): an id already in `tracks` under another event name adds no second row.
    const inserted = new Set<string>()
    const later: TableLoad[] = []
    for (const planned of plan.tables) {
      if (direct && !planned.upsert) {
        await appendTable(connection, planned, schemaName, cache)
        continue
      }
      if (!RESERVED_TABLES.has(planned.table)) {
        later.push(planned)
        continue
      }
      // Merging, `users` comes after `identifies` (an identify's rows come in that order),
      // and only the identifies just inserted update it: a retried old identify changes
      // nothing. (Appending, every identify is new, or the append fails.)
      const load =
        !direct && planned.table === USERS_TABLE
          ? usersOfInserted(plan, planned, events, inserted, schema, dialect)
          : planned
      if (load)
        await mergeTable(
          connection,
          load,
          schemaName,
          cache,
          CALL_TABLE_NAMES.has(load.table) ? inserted : undefined,
        )
    }
    for (const load of later) {
      const rows = rowsWithIds(load, inserted)
      if (rows.length > 0) await mergeTable(connection, { ...load, rows }, schemaName, cache)
    }
    // The identity tables, from the events' identity stamps (the identity stage's).
    identity = await applyIdentityStamps(events, {
      dialect,
      schema,
      schemaName,
      execute: async (sql, params) => {
        const reader = await connection.runAndReadAll(
          sql,
          params.length > 0 ? (params as string[]) : undefined,
        )
        return { rows: reader.getRowsJS() as unknown[][], changed: Number(reader.rowsChanged) }
      },
    })
    await connection.run('COMMIT')
  } catch (error) {
    await connection.run('ROLLBACK').catch(() => undefined)
    await forget(connection, cache)
    throw error
  }
  applyChanges(schema, plan.changes)
  applyChanges(schema, identity)
}

/** Stages kept at most: a stream whose column lists keep changing does not pile them up. */
const MAX_STAGES = 256

async function forget(connection: DuckDBConnection, cache: LoaderCache): Promise<void> {
  for (const stage of cache.stages.values())
    await connection.run(`DROP TABLE IF EXISTS temp.main.${dialect.quote(stage)}`).catch(() => undefined)
  cache.stages.clear()
  cache.order.clear()
}

/**
 * Staging table and merge: new ids are inserted, ids already there left alone (`users`
 * updated). With `inserted`, the ids the merge inserted are added to it.
 */
async function mergeTable(
  connection: DuckDBConnection,
  load: TableLoad,
  schemaName: string,
  cache: LoaderCache,
  inserted?: Set<string>,
) {
  const columns = load.columns.map(([c, t]) => `${dialect.quote(c)} ${STAGE_TYPE[t]}`).join(', ')
  const signature = `${load.table}\u0000${columns}`
  let stage = cache.stages.get(signature)
  if (stage === undefined) {
    stage = `_patchbay_stage_${cache.stages.size}`
    await connection.run(`CREATE OR REPLACE TEMP TABLE ${dialect.quote(stage)} (${columns})`)
    cache.stages.set(signature, stage)
  }
  const appender = await connection.createAppender(stage, 'main', 'temp')
  try {
    appendRows(
      appender,
      load,
      load.columns.map((_, k) => k),
      false,
    )
    appender.flushSync()
  } catch (error) {
    // Closing an appender whose flush failed fails too ("transaction is aborted"): the
    // first error is the one that says why.
    try {
      appender.closeSync()
    } catch {}
    throw error
  }
  appender.closeSync()
  const merge = mergeSql(load, `temp.main.${dialect.quote(stage)}`, dialect, {
    schemaName,
    select: (c, t) =>
      t === 'timestamp' || t === 'json'
        ? `CAST(${dialect.quote(c)} AS ${dialect.sqlType(t)})`
        : dialect.quote(c),
  })
  if (inserted) {
    const reader = await connection.runAndReadAll(`${merge} RETURNING "id"`)
    for (const [id] of reader.getRowsJS()) inserted.add(id as string)
  } else await connection.run(merge)
  await connection.run(`DELETE FROM temp.main.${dialect.quote(stage)}`)
}

/** Appends the rows straight into their table; the primary key refuses an id already there. */
async function appendTable(
  connection: DuckDBConnection,
  load: TableLoad,
  schemaName: string,
  cache: LoaderCache,
) {
  let order = cache.order.get(load.table)
  if (!order) {
    const reader = await connection.runAndReadAll(
      'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
      [schemaName, load.table],
    )
    order = reader.getRowsJS().map(([c]) => c as string)
    cache.order.set(load.table, order)
  }
  const at = new Map(load.columns.map(([c], k) => [c, k]))
  const slots = order.map((c) => at.get(c))
  const appender = await connection.createAppender(load.table, schemaName)
  try {
    appendRows(appender, load, slots, true)
    appender.flushSync()
  } catch (error) {
    // Closing an appender whose flush failed fails too ("transaction is aborted"): the
    // first error is the one that says why.
    try {
      appender.closeSync()
    } catch {}
    throw error
  }
  appender.closeSync()
}

export { qualified }
