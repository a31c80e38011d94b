import {
  type DuckDBAppender,
  DuckDBDataChunk,
  DuckDBTimestampTZValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBVector,
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
      const type = k === undefined ? undefined : load.columns[k]![1]
      fillColumn(chunk.getColumnVector(i), rows, k, type, native, start, end)
    }
    appender.appendDataChunk(chunk)
  }
}

/**
 * Fills a chunk's column with cell `k` of rows `[start, end)` (none: nulls): one loop per
 * column type, not a switch per cell (a load of 20,000 events writes some 600,000 cells).
 */
function fillColumn(
  vector: DuckDBVector,
  rows: TableLoad['rows'],
  k: number | undefined,
  type: ColumnType | undefined,
  native: boolean,
  start: number,
  end: number,
): void {
  const set = (r: number, value: unknown) => vector.setItem(r - start, value as never)
  if (k === undefined) for (let r = start; r < end; r++) set(r, null)
  else if (type === 'int')
    for (let r = start; r < end; r++) {
      const value = rows[r]![k] ?? null
      set(r, value === null ? null : BigInt(value as number))
    }
  else if (type === 'float')
    for (let r = start; r < end; r++) {
      const value = rows[r]![k] ?? null
      set(r, value === null ? null : Number(value))
    }
  else if (type === 'timestamp' && native)
    for (let r = start; r < end; r++) {
      const value = rows[r]![k] ?? null
      set(r, value === null ? null : new DuckDBTimestampTZValue(isoMicros(String(value))))
    }
  else if (type === 'boolean') for (let r = start; r < end; r++) set(r, rows[r]![k] ?? null)
  else
    for (let r = start; r < end; r++) {
      const value = rows[r]![k] ?? null
      set(r, value === null || typeof value === 'string' ? value : String(value))
    }
  vector.flush()
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
  // on every event: read digit by digit, without a pattern, Date.parse or a rebuilt string.
  const canonical = canonicalMicros(text)
  if (canonical !== undefined) return canonical
  const m = ISO.exec(text)
  const ms = m ? Date.parse(`${m[1]}T${m[2]}${m[3] ?? ''}${zone(m[4])}`) : Number.NaN
  if (Number.isNaN(ms)) throw new Error(`"${text}" is not an ISO 8601 date-time`)
  const micros = `${m![3]?.slice(1) ?? ''}000000`.slice(3, 6)
  return BigInt(ms) * 1000n + BigInt(micros)
}

/**
 * `YYYY-MM-DDTHH:MM:SS.mmmZ` naming a real day and time, in microseconds; undefined for
 * anything else, which the general path reads (as Date.parse does: Feb 30 is Mar 2 there).
 */
function canonicalMicros(t: string): bigint | undefined {
  if (t.length !== 24 || t.charCodeAt(23) !== 90 /* Z */) return undefined
  for (const [at, code] of SEPARATORS) if (t.charCodeAt(at) !== code) return undefined
  const year = digits(t, 0, 4)
  const month = digits(t, 5, 2)
  const day = digits(t, 8, 2)
  const hour = digits(t, 11, 2)
  const minute = digits(t, 14, 2)
  const second = digits(t, 17, 2)
  const milli = digits(t, 20, 3)
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || milli < 0)
    return undefined
  const days = daysFromCivil(year, month, day)
  const micros = (((days * 24 + hour) * 60 + minute) * 60 + second) * 1e6 + milli * 1e3
  return Number.isSafeInteger(micros) ? BigInt(micros) : undefined
}

/** Where the canonical shape has `-`, `T`, `:` and `.`. */
const SEPARATORS: ReadonlyArray<readonly [number, number]> = [
  [4, 45],
  [7, 45],
  [10, 84],
  [13, 58],
  [16, 58],
  [19, 46],
]

/** The number that `length` decimal digits at `at` spell, or -1 if one is not a digit. */
function digits(text: string, at: number, length: number): number {
  let n = 0
  for (let i = at; i < at + length; i++) {
    const d = text.charCodeAt(i) - 48
    if (d < 0 || d > 9) return -1
    n = n * 10 + d
  }
  return n
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
const daysInMonth = (year: number, month: number) => (month === 2 && isLeap(year) ? 29 : DAYS[month - 1]!)

/** Days from 1970-01-01 to a day of the proleptic Gregorian calendar (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146097 + dayOfEra - 719468
}

const ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/

const zone = (z: string | undefined) =>
  z === undefined ? 'Z' : z === 'Z' || z.includes(':') ? z : `${z.slice(0, 3)}:${z.slice(3)}`
