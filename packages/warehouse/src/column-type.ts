/** The column types the mapping infers; each dialect names them in its own SQL. */
export type ColumnType = 'int' | 'float' | 'boolean' | 'timestamp' | 'string' | 'json'

/** ISO 8601 date-times as SDKs send them (`2026-12-01T10:00:00.000Z`, with an offset or none). */
const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))?$/

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0

/**
 * Whether a string is a date-time every engine stores as the instant it names: the shape,
 * and a real calendar day and clock time. `2026-02-30`, `25:00`, year `0000` and a `+16:00`
 * offset have the shape, but DuckDB would shift them silently (Feb 30 to Mar 2) and
 * PostgreSQL would refuse the row: as strings, they load as written in both.
 */
function isTimestamp(value: string): boolean {
  const m = ISO_TIMESTAMP.exec(value)
  if (!m) return false
  const year = Number(m[1])
  const month = Number(m[2])
  const day = Number(m[3])
  if (year < 1 || month < 1 || month > 12 || day < 1) return false
  if (day > (month === 2 && isLeap(year) ? 29 : DAYS[month - 1]!)) return false
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59) return false
  return m[7] === undefined || (Number(m[7]) <= 15 && Number(m[8]) <= 59)
}

/**
 * The type of a value, as the warehouse stores it: whole numbers are `int`, other numbers
 * `float`, ISO 8601 date-time strings `timestamp`, other strings `string`, arrays `json`.
 * Undefined for null and undefined (they carry no type and load as NULL).
 */
export function inferType(value: unknown): ColumnType | undefined {
  switch (typeof value) {
    case 'boolean':
      return 'boolean'
    case 'number':
      return Number.isSafeInteger(value) ? 'int' : Number.isFinite(value) ? 'float' : 'string'
    case 'bigint':
      return 'int'
    case 'string':
      // Most strings are not dates: the length and the dash after the year say so cheaply.
      if (value.length < 16 || value.charCodeAt(4) !== 45) return 'string'
      return isTimestamp(value) ? 'timestamp' : 'string'
    case 'object':
      return value === null ? undefined : 'json'
    default:
      return undefined
  }
}

/**
 * Whether a value of type `value` may be stored in a column of type `column`, and how:
 * the same type as is; an int in a float column; anything in a string column (as its text:
 * `2`, `true`, `[1,2]`, as RudderStack and Segment load a number into a string column);
 * anything in a json column. Everything else conflicts (and goes to the discards). A
 * column never changes type.
 */
export function fits(value: ColumnType, column: ColumnType): boolean {
  if (value === column || column === 'json' || column === 'string') return true
  if (column === 'float') return value === 'int'
  return false
}
