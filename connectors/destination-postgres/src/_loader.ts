import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  applyChanges,
  applyIdentityStamps,
  CALL_TABLE_NAMES,
  type ColumnType,
  changeSql,
  postgresDialect as dialect,
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
 * Loads a batch in one transaction, exactly once per id: an advisory lock (one loader per
 * schema at a time, so schema changes never race), the schema changes, then
 * - the call tables (`tracks`, `identifies`, ...), `users` and the discards: a COPY into a
 *   temporary staging table and one idempotent merge each (`ON CONFLICT DO NOTHING`;
 *   `users` upserted); the call-table merges return the ids they inserted;
 * - the event tables (`order_completed`): a track's event-table row is written in the same
 *   transaction as its `tracks` row, so it is new exactly when its `tracks` row was; the
 *   rows of the inserted ids are COPY'd straight into their table (no staging, no merge).
 * If an event table holds an id its `tracks` row lacks (rows deleted from `tracks` by hand),
 * the COPY meets the primary key (23505) and the batch is loaded again with a merge
 * everywhere. The cached schema learns the changes once the transaction commits.
 */
export async function loadBatch(
  client: PoolClient,
  schema: WarehouseSchema,
  schemaName: string,
  events: readonly WarehouseEvent[],
): Promise<void> {
  try {
    await loadOnce(client, schema, schemaName, events, true)
  } catch (error) {
    if ((error as { code?: string }).code !== '23505') throw error
    await loadOnce(client, schema, schemaName, events, false)
  }
}

async function loadOnce(
  client: PoolClient,
  schema: WarehouseSchema,
  schemaName: string,
  events: readonly WarehouseEvent[],
  direct: boolean,
): Promise<void> {
  // Date-times without an offset are UTC, as in DuckDB, whatever the server's TimeZone.
  await client.query("BEGIN; SET LOCAL TIME ZONE 'UTC'")
  let plan: ReturnType<typeof planLoad>
  let identity: SchemaChange[] = []
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`patchbay.warehouse.${schemaName}`])
    plan = planLoad(events, schema, dialect)
    if (plan.changes.length > 0 && (await refreshed(client, schema, schemaName)))
      plan = planLoad(events, schema, dialect)
    for (const change of plan.changes)
      for (const sql of changeSql(change, dialect, schemaName)) await client.query(sql)
    const inserted = new Set<string>()
    const later: TableLoad[] = []
    for (const [i, planned] of plan.tables.entries()) {
      if (direct && !RESERVED_TABLES.has(planned.table)) {
        later.push(planned)
        continue
      }
      // `users` after `identifies` (an identify's rows come in that order): only the
      // identifies just inserted update it, so a retried old identify changes nothing.
      const load =
        planned.table === USERS_TABLE
          ? usersOfInserted(plan, planned, events, inserted, schema, dialect)
          : planned
      if (load)
        await mergeTable(
          client,
          load,
          schemaName,
          `_patchbay_stage_${i}`,
          CALL_TABLE_NAMES.has(load.table) ? inserted : undefined,
        )
    }
    for (const load of later) {
      const rows = rowsWithIds(load, inserted)
      if (rows.length > 0) await copyInto(client, qualified(load.table, dialect, schemaName), load, rows)
    }
    // The identity tables, from the events' identity stamps (the identity stage's).
    identity = await applyIdentityStamps(events, {
      dialect,
      schema,
      schemaName,
      execute: async (text, values) => {
        const result = await client.query({ text, values, rowMode: 'array' })
        return { rows: result.rows as unknown[][], changed: result.rowCount ?? 0 }
      },
    })
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  }
  applyChanges(schema, plan.changes)
  applyChanges(schema, identity)
}

/**
 * Reads the schema again, under the advisory lock, when a load is about to change it: another
 * gateway on the same schema may have added those tables or columns since this one cached
 * it (with other types: `x` a string there, an int here). Columns never change type, so a
 * cached column is never wrong; only a missing one can be, and a missing one always shows
 * as a change. True when the cache learned something (then plan again).
 */
async function refreshed(client: PoolClient, schema: WarehouseSchema, schemaName: string): Promise<boolean> {
  const fresh = await readSchema(client, schemaName)
  let learned = false
  for (const [table, columns] of fresh) {
    const known = schema.get(table)
    if (!known) {
      schema.set(table, columns)
      learned = true
      continue
    }
    for (const [column, type] of columns)
      if (!known.has(column)) {
        known.set(column, type)
        learned = true
      }
  }
  return learned
}

async function mergeTable(
  client: PoolClient,
  load: TableLoad,
  schemaName: string,
  stage: string,
  inserted: Set<string> | undefined,
) {
  const columns = load.columns.map(([c, t]) => `${dialect.quote(c)} ${dialect.sqlType(t)}`).join(', ')
  await client.query(`CREATE TEMP TABLE ${dialect.quote(stage)} (${columns}) ON COMMIT DROP`)
  await copyInto(client, dialect.quote(stage), load, load.rows)
  const merge = mergeSql(load, dialect.quote(stage), dialect, { schemaName })
  if (!inserted) {
    await client.query(merge)
    return
  }
  const { rows } = await client.query<{ id: string }>({ text: `${merge} RETURNING "id"` })
  for (const row of rows) inserted.add(row.id)
}

async function copyInto(client: PoolClient, target: string, load: TableLoad, rows: TableLoad['rows']) {
  const names = load.columns.map(([c]) => dialect.quote(c)).join(', ')
  await pipeline(
    Readable.from([csvRows(rows, load.columns)]),
    client.query(copyFrom(`COPY ${target} (${names}) FROM STDIN WITH (FORMAT csv)`)),
  )
}
