import type { ColumnType } from './column-type.ts'
import type { Dialect } from './dialect.ts'
import type { SchemaChange, TableLoad } from './load-plan.ts'
import { DISCARDS_TABLE } from './tables.ts'

/** The primary key of a table: one row per messageId (per user in `users`). */
export function keyOf(table: string): string[] {
  return table === DISCARDS_TABLE ? ['row_id', 'table_name', 'column_name'] : ['id']
}

/**
 * The DDL of a schema change: `CREATE TABLE IF NOT EXISTS` with the key, or one
 * `ALTER TABLE ... ADD COLUMN IF NOT EXISTS` per new column (so a change that was made by
 * a load that crashed before it recorded it is harmless).
 */
export function changeSql(change: SchemaChange, dialect: Dialect, schemaName?: string): string[] {
  const table = qualified(change.table, dialect, schemaName)
  const col = ([c, t]: [string, ColumnType]) => `${dialect.quote(c)} ${dialect.sqlType(t)}`
  if (change.create) {
    const key = keyOf(change.table)
    const columns = [...change.columns]
    for (const k of key) if (!columns.some(([c]) => c === k)) columns.unshift([k, 'string'])
    // Another loader may have made the table first, without some of these columns.
    return [
      `CREATE TABLE IF NOT EXISTS ${table} (${columns.map(col).join(', ')}, PRIMARY KEY (${key.map(dialect.quote).join(', ')}))`,
      ...columns
        .filter(([c]) => !key.includes(c))
        .map((c) => `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${col(c)}`),
    ]
  }
  return change.columns.map((c) => `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${col(c)}`)
}

/**
 * Moves a table's rows from a staging table into the table: new ids are inserted, ids
 * already there are left alone (idempotent loads), and `users` rows update the columns
 * they carry.
 */
export function mergeSql(
  load: TableLoad,
  stage: string,
  dialect: Dialect,
  { schemaName, select }: { schemaName?: string; select?: (column: string, type: ColumnType) => string } = {},
): string {
  const table = qualified(load.table, dialect, schemaName)
  const names = load.columns.map(([c]) => dialect.quote(c)).join(', ')
  const values = load.columns.map(([c, t]) => (select ? select(c, t) : dialect.quote(c))).join(', ')
  const key = keyOf(load.table).map(dialect.quote).join(', ')
  const insert = `INSERT INTO ${table} (${names}) SELECT ${values} FROM ${stage}`
  const updates = load.columns.filter(([c]) => !keyOf(load.table).includes(c))
  if (!load.upsert || updates.length === 0) return `${insert} ON CONFLICT (${key}) DO NOTHING`
  // A user's columns take the newer values they carry; a missing value keeps the old one,
  // and a retried older identify does not undo a newer one.
  const target = dialect.quote(load.table)
  const set = updates
    .map(
      ([c]) => `${dialect.quote(c)} = COALESCE(EXCLUDED.${dialect.quote(c)}, ${target}.${dialect.quote(c)})`,
    )
    .join(', ')
  const newer = load.columns.some(([c]) => c === 'received_at')
    ? ` WHERE ${target}."received_at" IS NULL OR EXCLUDED."received_at" >= ${target}."received_at"`
    : ''
  return `${insert} ON CONFLICT (${key}) DO UPDATE SET ${set}${newer}`
}

/** `schema.table`, quoted. */
export function qualified(table: string, dialect: Dialect, schemaName?: string): string {
  return schemaName ? `${dialect.quote(schemaName)}.${dialect.quote(table)}` : dialect.quote(table)
}
