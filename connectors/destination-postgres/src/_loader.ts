import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  applyChanges,
  type ColumnType,
  changeSql,
  postgresDialect as dialect,
  mergeSql,
  planLoad,
  type TableLoad,
  type WarehouseEvent,
  type WarehouseSchema,
} from '@patchbay/warehouse'
import type { PoolClient } from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { csvRows } from './_csv.ts'

const FROM_SQL: Record<string, ColumnType> = {
  bigint: 'int',
  integer: 'int',
  'double precision': 'float',
  boolean: 'boolean',
  'timestamp with time zone': 'timestamp',
  jsonb: 'json',
  json: 'json',
}

/** The tables and columns already in the schema: read at the first load, and after a failed one. */
export async function readSchema(client: PoolClient, schemaName: string): Promise<WarehouseSchema> {
  const { rows } = await client.query<{ table_name: string; column_name: string; data_type: string }>(
    'SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position',
    [schemaName],
  )
  const schema: WarehouseSchema = new Map()
  for (const row of rows) {
    let columns = schema.get(row.table_name)
    if (!columns) {
      columns = new Map()
      schema.set(row.table_name, columns)
    }
    columns.set(row.column_name, FROM_SQL[row.data_type] ?? 'string')
  }
  return schema
}

/**
 * Loads a batch in one transaction: an advisory lock (one loader per schema at a time, so
 * schema changes never race), the schema changes, then per table a COPY into a temporary
 * staging table and one idempotent merge (`ON CONFLICT (id) DO NOTHING`; users upserted).
 * The cached schema learns the changes once the transaction commits.
 */
export async function loadBatch(
  client: PoolClient,
  schema: WarehouseSchema,
  schemaName: string,
  events: readonly WarehouseEvent[],
): Promise<void> {
  await client.query('BEGIN')
  let plan: ReturnType<typeof planLoad>
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`patchbay.warehouse.${schemaName}`])
    plan = planLoad(events, schema, dialect)
    for (const change of plan.changes)
      for (const sql of changeSql(change, dialect, schemaName)) await client.query(sql)
    for (const [i, load] of plan.tables.entries())
      await loadTable(client, load, schemaName, `_patchbay_stage_${i}`)
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  }
  applyChanges(schema, plan.changes)
}

async function loadTable(client: PoolClient, load: TableLoad, schemaName: string, stage: string) {
  const columns = load.columns.map(([c, t]) => `${dialect.quote(c)} ${dialect.sqlType(t)}`).join(', ')
  await client.query(`CREATE TEMP TABLE ${dialect.quote(stage)} (${columns}) ON COMMIT DROP`)
  const names = load.columns.map(([c]) => dialect.quote(c)).join(', ')
  await pipeline(
    Readable.from([csvRows(load.rows)]),
    client.query(copyFrom(`COPY ${dialect.quote(stage)} (${names}) FROM STDIN WITH (FORMAT csv)`)),
  )
  await client.query(mergeSql(load, dialect.quote(stage), dialect, { schemaName }))
}
