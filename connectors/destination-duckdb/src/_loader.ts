import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api'
import {
  applyChanges,
  type ColumnType,
  changeSql,
  duckdbDialect as dialect,
  mergeSql,
  planLoad,
  qualified,
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
 * Loads a batch in one transaction: schema changes, then per table an appender into a
 * temporary staging table and one idempotent merge (`ON CONFLICT (id) DO NOTHING`; users
 * upserted). The cached schema learns the changes once the transaction commits.
 */
export async function loadBatch(
  connection: DuckDBConnection,
  schema: WarehouseSchema,
  schemaName: string,
  events: readonly WarehouseEvent[],
): Promise<void> {
  const plan = planLoad(events, schema, dialect)
  await connection.run('BEGIN TRANSACTION')
  try {
    for (const change of plan.changes)
      for (const sql of changeSql(change, dialect, schemaName)) await connection.run(sql)
    for (const [i, load] of plan.tables.entries())
      await loadTable(connection, load, schemaName, `_patchbay_stage_${i}`)
    await connection.run('COMMIT')
  } catch (error) {
    await connection.run('ROLLBACK').catch(() => undefined)
    throw error
  }
  applyChanges(schema, plan.changes)
}

async function loadTable(connection: DuckDBConnection, load: TableLoad, schemaName: string, stage: string) {
  const columns = load.columns.map(([c, t]) => `${dialect.quote(c)} ${STAGE_TYPE[t]}`).join(', ')
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${dialect.quote(stage)} (${columns})`)
  const appender = await connection.createAppender(stage, 'main', 'temp')
  try {
    for (const row of load.rows) {
      for (const [k, [, type]] of load.columns.entries()) append(appender, row[k] ?? null, type)
      appender.endRow()
    }
    appender.flushSync()
  } finally {
    appender.closeSync()
  }
  await connection.run(
    mergeSql(load, dialect.quote(stage), dialect, {
      schemaName,
      select: (c, t) =>
        t === 'timestamp' || t === 'json'
          ? `CAST(${dialect.quote(c)} AS ${dialect.sqlType(t)})`
          : dialect.quote(c),
    }),
  )
  await connection.run(`DROP TABLE ${dialect.quote(stage)}`)
}

function append(appender: DuckDBAppender, value: string | number | boolean | null, type: ColumnType): void {
  if (value === null) appender.appendNull()
  else if (type === 'int') appender.appendBigInt(BigInt(value as number))
  else if (type === 'float') appender.appendDouble(Number(value))
  else if (type === 'boolean') appender.appendBoolean(value as boolean)
  else appender.appendVarchar(typeof value === 'string' ? value : String(value))
}

export { qualified }
