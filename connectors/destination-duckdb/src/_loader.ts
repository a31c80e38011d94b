import { type DuckDBAppender, type DuckDBConnection, DuckDBTimestampTZValue } from '@duckdb/node-api'
import {
  applyChanges,
  applyIdentityStamps,
  CALL_TABLES,
  type ColumnType,
  changeSql,
  duckdbDialect as dialect,
  mergeSql,
  planLoad,
  qualified,
  RESERVED_TABLES,
  type SchemaChange,
  type TableLoad,
  type WarehouseEvent,
  type WarehouseSchema,
} from '@patchbay/warehouse'

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
 * Loads a batch in one transaction, exactly once per id:
 * 1. the schema changes;
 * 2. the call tables (`tracks`, `identifies`, ...), `users` and the discards: an appender
 *    into a staging table and one set-based merge each (`ON CONFLICT DO NOTHING` on the
 *    key's index; `users` upserted). The call-table merges return the ids they inserted;
 * 3. the event tables (`order_completed`): a track's event-table row is written in the same
 *    transaction as its `tracks` row, so it is new exactly when its `tracks` row was. The
 *    rows of the inserted ids go straight into the table through an appender, with no
 *    staging and no merge (the cost of a merge is per statement, and a batch has one event
 *    table per event name).
 * If an event table holds an id its `tracks` row lacks (someone deleted rows from `tracks`),
 * the append meets the primary key and the batch is loaded again with a merge everywhere.
 *
 * The cached schema learns the changes once the transaction commits. A failed load forgets
 * the stages (a rollback drops the ones it made).
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
    const inserted = new Set<string>()
    const later: TableLoad[] = []
    for (const load of plan.tables) {
      if (direct && !RESERVED_TABLES.has(load.table)) later.push(load)
      else
        await mergeTable(
          connection,
          load,
          schemaName,
          cache,
          CALL_TABLE_NAMES.has(load.table) ? inserted : undefined,
        )
    }
    for (const load of later) await appendTable(connection, load, schemaName, cache, inserted)
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

const CALL_TABLE_NAMES: ReadonlySet<string> = new Set(Object.values(CALL_TABLES))

/** Stages kept at most: a stream whose column lists keep changing does not pile them up. */
const MAX_STAGES = 256

async function forget(connection: DuckDBConnection, cache: LoaderCache): Promise<void> {
  for (const stage of cache.stages.values())
    await connection.run(`DROP TABLE IF EXISTS temp.main.${dialect.quote(stage)}`).catch(() => undefined)
  cache.stages.clear()
  cache.order.clear()
}

/** Staging table and merge; the ids the merge inserted go into `inserted` when asked. */
async function mergeTable(
  connection: DuckDBConnection,
  load: TableLoad,
  schemaName: string,
  cache: LoaderCache,
  inserted: Set<string> | undefined,
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
    for (const row of load.rows) {
      for (const [k, [, type]] of load.columns.entries()) append(appender, row[k] ?? null, type, false)
      appender.endRow()
    }
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

/** Appends the rows whose ids are in `inserted` straight into their table. */
async function appendTable(
  connection: DuckDBConnection,
  load: TableLoad,
  schemaName: string,
  cache: LoaderCache,
  inserted: ReadonlySet<string>,
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
  const idAt = at.get('id')
  if (idAt === undefined) throw new Error(`the rows for ${load.table} have no id`)
  const appender = await connection.createAppender(load.table, schemaName)
  try {
    for (const row of load.rows) {
      if (!inserted.has(row[idAt] as string)) continue
      for (const k of slots) {
        if (k === undefined) appender.appendNull()
        else append(appender, row[k] ?? null, load.columns[k]![1], true)
      }
      appender.endRow()
    }
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

/**
 * One cell. Into a staging table a timestamp goes as text (the merge casts it); straight
 * into a TIMESTAMPTZ column it goes as microseconds, since the appender's own text
 * conversion drops the UTC offset.
 */
function append(
  appender: DuckDBAppender,
  value: string | number | boolean | null,
  type: ColumnType,
  native: boolean,
): void {
  if (value === null) appender.appendNull()
  else if (type === 'int') appender.appendBigInt(BigInt(value as number))
  else if (type === 'float') appender.appendDouble(Number(value))
  else if (type === 'boolean') appender.appendBoolean(value as boolean)
  else if (type === 'timestamp' && native)
    appender.appendTimestampTZ(new DuckDBTimestampTZValue(isoMicros(String(value))))
  else appender.appendVarchar(typeof value === 'string' ? value : String(value))
}

/** Microseconds since the epoch of an ISO 8601 date-time (no zone is UTC), to the microsecond. */
export function isoMicros(text: string): bigint {
  const m = ISO.exec(text)
  const ms = m ? Date.parse(`${m[1]}T${m[2]}${m[3] ?? ''}${zone(m[4])}`) : Number.NaN
  if (Number.isNaN(ms)) throw new Error(`"${text}" is not an ISO 8601 date-time`)
  const micros = `${m![3]?.slice(1) ?? ''}000000`.slice(3, 6)
  return BigInt(ms) * 1000n + BigInt(micros)
}

const ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/

const zone = (z: string | undefined) =>
  z === undefined ? 'Z' : z === 'Z' || z.includes(':') ? z : `${z.slice(0, 3)}:${z.slice(3)}`

export { qualified }
