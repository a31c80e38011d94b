import type { PatchbayEvent } from '@patchbay/protocol'
import { type ColumnType, fits, inferType } from './column-type.ts'
import type { Dialect } from './dialect.ts'
import { type MappedRow, mapEvent } from './map-event.ts'
import { DISCARD_COLUMNS, DISCARDS_TABLE, USERS_TABLE } from './tables.ts'

/** The columns (and their types) of every table the warehouse has: the cached schema. */
export type WarehouseSchema = Map<string, Map<string, ColumnType>>

/** A schema change a load makes: a new table (with its first columns) or a new column. */
export interface SchemaChange {
  table: string
  /** True when the table does not exist yet: create it with `columns`. */
  create: boolean
  columns: Array<[string, ColumnType]>
}

/** The rows of one table in a load, as cells ready for the loader. */
export interface TableLoad {
  table: string
  columns: Array<[string, ColumnType]>
  /** One array per row, in `columns` order; null for a missing value. */
  rows: Array<Array<string | number | boolean | null>>
  /** `users`: a later row updates the user's columns; other tables keep the first row per id. */
  upsert: boolean
}

export interface LoadPlan {
  changes: SchemaChange[]
  tables: TableLoad[]
  /** How many events each table got (after de-duplication by id). */
  events: number
}

/**
 * Plans the load of a batch against the cached schema: maps each event to its rows, infers
 * the type of every value, adds the columns and tables that are new, and moves a value
 * whose type does not fit its column to `patchbay_discards` (the rest of its row loads). A
 * column never changes type. Rows with the same id in one table keep the first (the rows
 * of a retried event are equal), except `users`, where later traits win.
 *
 * The schema is not changed: apply `plan.changes` with {@link applyChanges} once the load
 * has committed.
 */
export function planLoad(
  events: readonly PatchbayEvent[],
  schema: WarehouseSchema,
  dialect: Dialect,
): LoadPlan {
  const changes = new Map<string, SchemaChange>()
  const typeOf = (table: string, column: string): ColumnType | undefined =>
    schema.get(table)?.get(column) ?? changes.get(table)?.columns.find(([c]) => c === column)?.[1]
  const addColumn = (table: string, column: string, type: ColumnType) => {
    let change = changes.get(table)
    if (!change) {
      change = { table, create: !schema.has(table), columns: [] }
      changes.set(table, change)
    }
    change.columns.push([column, type])
  }
  const byTable = new Map<string, Map<string, Map<string, unknown>>>()
  const discards: Array<Array<string | null>> = []
  // An event delivered twice in one batch (the gateway is at-least-once) is mapped once: the
  // first copy wins, so a messageId never lands in two event tables.
  const mapped = new Set<string>()
  for (const event of events) {
    const id = event.messageId
    if (id !== undefined) {
      if (mapped.has(id)) continue
      mapped.add(id)
    }
    for (const row of mapEvent(event, dialect)) place(row)
  }

  function place(row: MappedRow): void {
    const cells = new Map<string, unknown>()
    for (const [column, value] of row.values) {
      const type = row.fixed.get(column) ?? inferType(value)
      if (type === undefined) continue
      const existing = typeOf(row.table, column)
      if (existing === undefined) addColumn(row.table, column, type)
      else if (!fits(type, existing)) {
        discards.push([
          row.id,
          row.table,
          column,
          typeof value === 'string' ? value : JSON.stringify(value),
          `${type === 'int' ? 'an' : 'a'} ${type} value does not fit the ${existing} column`,
          typeof row.values.get('received_at') === 'string'
            ? (row.values.get('received_at') as string)
            : null,
        ])
        continue
      }
      cells.set(column, value)
    }
    let rows = byTable.get(row.table)
    if (!rows) {
      rows = new Map()
      byTable.set(row.table, rows)
    }
    const seen = rows.get(row.id)
    if (!seen) rows.set(row.id, cells)
    else if (row.table === USERS_TABLE) for (const [c, v] of cells) seen.set(c, v)
  }

  const tables: TableLoad[] = []
  let count = 0
  for (const [table, rows] of byTable) {
    const known = new Map<string, ColumnType>(schema.get(table))
    for (const [c, t] of changes.get(table)?.columns ?? []) known.set(c, t)
    const used = new Set<string>()
    for (const cells of rows.values()) for (const c of cells.keys()) used.add(c)
    const columns = [...known].filter(([c]) => used.has(c))
    tables.push({
      table,
      columns,
      rows: [...rows.values()].map((cells) => columns.map(([c, t]) => cell(cells.get(c), t))),
      upsert: table === USERS_TABLE,
    })
    count += rows.size
  }
  if (discards.length > 0) {
    if (!schema.has(DISCARDS_TABLE) && !changes.has(DISCARDS_TABLE))
      changes.set(DISCARDS_TABLE, { table: DISCARDS_TABLE, create: true, columns: [...DISCARD_COLUMNS] })
    tables.push({ table: DISCARDS_TABLE, columns: [...DISCARD_COLUMNS], rows: discards, upsert: false })
  }
  return { changes: [...changes.values()], tables, events: count }
}

/**
 * The rows of a table load whose id is in `ids`: an event table's rows of the events whose
 * call-table row a merge just inserted (so an event-table row is new exactly when its
 * `tracks` row was).
 */
export function rowsWithIds(load: TableLoad, ids: ReadonlySet<string>): TableLoad['rows'] {
  const idAt = load.columns.findIndex(([c]) => c === 'id')
  return load.rows.filter((row) => ids.has(row[idAt] as string))
}

/** Records committed schema changes in the cached schema. */
export function applyChanges(schema: WarehouseSchema, changes: readonly SchemaChange[]): void {
  for (const change of changes) {
    let columns = schema.get(change.table)
    if (!columns) {
      columns = new Map()
      schema.set(change.table, columns)
    }
    for (const [c, t] of change.columns) if (!columns.has(c)) columns.set(c, t)
  }
}

/** A value as the loader writes it into a column of `type`: json as text, the rest as is. */
function cell(value: unknown, type: ColumnType): string | number | boolean | null {
  if (value === undefined || value === null) return null
  if (type === 'json') return JSON.stringify(value)
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'object') return JSON.stringify(value)
  return value as string | number | boolean
}
