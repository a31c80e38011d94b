import {
  type DuckDBAppender,
  DuckDBDataChunk,
  DuckDBTimestampTZValue,
  type DuckDBType,
  DuckDBTypeId,
} from '@duckdb/node-api'
import type { ColumnType, TableLoad } from '@patchbay/warehouse'

/** A cell as the planner gives it. */
type Cell = string | number | boolean | null

/** The vector type a column of each kind has: in the table (`native`), and in a staging table. */
const NATIVE: Record<ColumnType, DuckDBTypeId> = {
  int: DuckDBTypeId.BIGINT,
  float: DuckDBTypeId.DOUBLE,
  boolean: DuckDBTypeId.BOOLEAN,
  timestamp: DuckDBTypeId.TIMESTAMP_TZ,
  string: DuckDBTypeId.VARCHAR,
  json: DuckDBTypeId.VARCHAR,
}
const STAGED: Record<ColumnType, DuckDBTypeId> = { ...NATIVE, timestamp: DuckDBTypeId.VARCHAR }
const PLAIN: ReadonlySet<DuckDBTypeId> = new Set(Object.values(NATIVE))

/** Rows per data chunk: DuckDB's vector size. */
const CHUNK_ROWS = 2048

/**
 * Appends a table's rows. `slots[i]` is where the appender's column `i` is in each row
 * (undefined: the rows have no value for it, null). With `native`, a timestamp goes into
 * its TIMESTAMPTZ column as microseconds; into a staging table (VARCHAR) it goes as text.
 *
 * When every column has the type the planner expects, the rows go in as data chunks: a
 * column's numbers and timestamps are one copy per chunk, not one call per cell. A table
 * whose columns were changed by hand (another type) gets its rows cell by cell, and the
 * appender casts them.
 */
export function appendRows(
  appender: DuckDBAppender,
  load: TableLoad,
  slots: ReadonlyArray<number | undefined>,
  native: boolean,
): void {
  const types: DuckDBType[] = slots.map((_, i) => appender.columnType(i))
  const expected = native ? NATIVE : STAGED
  const chunked = slots.every((k, i) =>
    k === undefined ? PLAIN.has(types[i]!.typeId) : types[i]!.typeId === expected[load.columns[k]![1]],
  )
  if (!chunked) {
    for (const row of load.rows) {
      for (const k of slots) {
        if (k === undefined) appender.appendNull()
        else appendCell(appender, row[k] ?? null, load.columns[k]![1], native)
      }
      appender.endRow()
    }
    return
  }
  const { rows } = load
  for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
    const end = Math.min(start + CHUNK_ROWS, rows.length)
    const chunk = DuckDBDataChunk.create(types, end - start)
    for (const [i, k] of slots.entries()) {
      const vector = chunk.getColumnVector(i)
      const type = k === undefined ? undefined : load.columns[k]![1]
      for (let r = start; r < end; r++) {
        const value = k === undefined ? null : (rows[r]![k] ?? null)
        vector.setItem(r - start, value === null ? null : toVector(value, type!, native))
      }
      vector.flush()
    }
    appender.appendDataChunk(chunk)
  }
}

/** One cell as its vector holds it. */
function toVector(value: Exclude<Cell, null>, type: ColumnType, native: boolean) {
  switch (type) {
    case 'int':
      return BigInt(value as number)
    case 'float':
      return Number(value)
    case 'boolean':
      return value as boolean
    case 'timestamp':
      return native ? new DuckDBTimestampTZValue(isoMicros(String(value))) : String(value)
    default:
      return typeof value === 'string' ? value : String(value)
  }
}

/**
 * One cell through the appender. Into a staging table a timestamp goes as text (the merge
 * casts it); straight into a TIMESTAMPTZ column it goes as microseconds, since the
 * appender's own text conversion drops the UTC offset.
 */
function appendCell(appender: DuckDBAppender, value: Cell, type: ColumnType, native: boolean): void {
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
  // The shape JavaScript's toISOString gives and the SDKs send (milliseconds, UTC), four
  // on every event: Date.parse reads it whole, without the pattern and the rebuilt string.
  if (text.length === 24 && CANONICAL.test(text)) {
    const ms = Date.parse(text)
    if (!Number.isNaN(ms)) return BigInt(ms) * 1000n
  }
  const m = ISO.exec(text)
  const ms = m ? Date.parse(`${m[1]}T${m[2]}${m[3] ?? ''}${zone(m[4])}`) : Number.NaN
  if (Number.isNaN(ms)) throw new Error(`"${text}" is not an ISO 8601 date-time`)
  const micros = `${m![3]?.slice(1) ?? ''}000000`.slice(3, 6)
  return BigInt(ms) * 1000n + BigInt(micros)
}

const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/

const zone = (z: string | undefined) =>
  z === undefined ? 'Z' : z === 'Z' || z.includes(':') ? z : `${z.slice(0, 3)}:${z.slice(3)}`
