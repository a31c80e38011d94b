import type { PatchbayEvent } from '@patchbay/protocol'
import { type ColumnType, fits, inferType } from './column-type.ts'
import type { Dialect } from './dialect.ts'
import { mapEventParts, type RowParts } from './map-event.ts'
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
  const byTable = new Map<string, PlannedTable>()
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
    for (const row of mapEventParts(event, dialect)) place(row)
  }

  function tableOf(name: string): PlannedTable {
    let table = byTable.get(name)
    if (!table) {
      table = { known: schema.get(name), added: new Map(), slots: new Map(), width: 0, rows: new Map() }
      byTable.set(name, table)
    }
    return table
  }

  function place(row: RowParts): void {
    const table = tableOf(row.table)
    if (table.known === undefined && !changes.has(row.table)) {
      // A new table gets its standard columns (`id`, `anonymous_id`, `user_id`, the
      // timestamps, `event`, ...) whatever its first rows carry: the documented columns are
      // there to query (NULL) in a stream that never sends the field.
      const columns = [...row.fixed]
      changes.set(row.table, { table: row.table, create: true, columns })
      for (const [column, type] of columns) table.added.set(column, type)
    }
    // The row's cells by the table's column index (sparse): no map per row.
    const cells: unknown[] = []
    for (const part of row.parts)
      for (const [column, value] of part) {
        const type = row.fixed.get(column) ?? inferType(value)
        if (type === undefined) continue
        let slot = table.slots.get(column)
        if (slot === undefined) {
          const existing = table.known?.get(column) ?? table.added.get(column)
          slot = { type: existing ?? type, at: -1 }
          table.slots.set(column, slot)
          if (existing === undefined) {
            // A new column: this value's type is its type.
            table.added.set(column, type)
            let change = changes.get(row.table)
            if (!change) {
              change = { table: row.table, create: table.known === undefined, columns: [] }
              changes.set(row.table, change)
            }
            change.columns.push([column, type])
          }
        }
        if (!fits(type, slot.type)) {
          discards.push([
            row.id,
            row.table,
            column,
            typeof value === 'string' ? value : JSON.stringify(value),
            `${type === 'int' ? 'an' : 'a'} ${type} value does not fit the ${slot.type} column`,
            receivedAt(row),
          ])
          continue
        }
        if (slot.at < 0) slot.at = table.width++
        cells[slot.at] = value
      }
    const seen = table.rows.get(row.id)
    if (!seen) table.rows.set(row.id, cells)
    else if (row.table === USERS_TABLE)
      cells.forEach((value, k) => {
        seen[k] = value
      })
  }

  const tables: TableLoad[] = []
  let count = 0
  for (const [name, table] of byTable) {
    // The table's columns in schema order, then the new ones, as far as its rows have values.
    const columns: Array<[string, ColumnType]> = []
    const at: number[] = []
    for (const known of [table.known ?? NONE, table.added])
      for (const [column, type] of known) {
        const k = table.slots.get(column)?.at ?? -1
        if (k < 0) continue
        columns.push([column, type])
        at.push(k)
      }
    const rows: TableLoad['rows'] = []
    for (const cells of table.rows.values()) {
      const out: TableLoad['rows'][number] = new Array(columns.length)
      for (let i = 0; i < columns.length; i++) out[i] = cell(cells[at[i]!], columns[i]![1])
      rows.push(out)
    }
    tables.push({ table: name, columns, rows, upsert: name === USERS_TABLE })
    count += table.rows.size
  }
  if (discards.length > 0) {
    if (!schema.has(DISCARDS_TABLE) && !changes.has(DISCARDS_TABLE))
      changes.set(DISCARDS_TABLE, { table: DISCARDS_TABLE, create: true, columns: [...DISCARD_COLUMNS] })
    tables.push({ table: DISCARDS_TABLE, columns: [...DISCARD_COLUMNS], rows: discards, upsert: false })
  }
  return { changes: [...changes.values()], tables, events: count }
}

/** One table's rows while a batch is planned. */
interface PlannedTable {
  /** Its columns in the schema (undefined: the table is new). */
  known: ReadonlyMap<string, ColumnType> | undefined
  /** The columns this batch adds, in the order they came. */
  added: Map<string, ColumnType>
  /** Each column met so far: its type in the table, and where its cells are (-1: no value yet). */
  slots: Map<string, { type: ColumnType; at: number }>
  /** How many columns have cells. */
  width: number
  /** The rows by id: their cells by `index`. */
  rows: Map<string, unknown[]>
}

const NONE: ReadonlyMap<string, ColumnType> = new Map()

/** The row's `received_at`, when it is text: the discards table's. */
function receivedAt(row: RowParts): string | null {
  for (const part of row.parts) {
    const value = part.get('received_at')
    if (value !== undefined) return typeof value === 'string' ? value : null
  }
  return null
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

/**
 * A value as the loader writes it into a column of `type`: json as text, anything in a
 * string column as its text (`true`, `1.5`, `[1,"x"]`), the rest as is.
 */
function cell(value: unknown, type: ColumnType): string | number | boolean | null {
  if (value === undefined || value === null) return null
  if (type === 'json') return jsonText(value)
  if (type === 'string' && typeof value !== 'string')
    return typeof value === 'object' ? jsonText(value) : String(value)
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'object') return jsonText(value)
  return value as string | number | boolean
}

/**
 * A `\udXXX` escape in JSON text, and not an escaped backslash followed by `udXXX`: the
 * escape's backslash is preceded by an even run of backslashes.
 */
const LONE_SURROGATE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g

/**
 * A value as JSON text both engines take. JSON.stringify writes a lone surrogate (half of
 * an emoji cut in two) as a `\ud800` escape, which PostgreSQL's jsonb and DuckDB's JSON
 * refuse, failing the event; it becomes U+FFFD, as it does in a text column (UTF-8 has no
 * lone surrogates). Pairs are written as characters, so every such escape is a lone one.
 */
function jsonText(value: unknown): string {
  const text = JSON.stringify(value)
  return text.includes('\\ud') ? text.replace(LONE_SURROGATE, '$1\ufffd') : text
}
