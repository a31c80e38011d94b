import type { ColumnType } from '@patchbay/warehouse'

type Cell = string | number | boolean | null

/**
 * A `\u0000` escape in JSON text (jsonb refuses it), and not an escaped backslash followed
 * by `u0000`: the escape's backslash is preceded by an even run of backslashes.
 */
const JSON_NUL = /(?<!\\)((?:\\\\)*)\\u0000/g

/**
 * One value as a CSV field for `COPY ... (FORMAT csv)`: NULL is an empty unquoted field.
 * PostgreSQL text cannot hold NUL, so it is dropped: from text, the character; from JSON
 * text (a json column), its `\u0000` escape. Text that merely reads `\u0000` stays.
 */
export function csvField(value: Cell, type?: ColumnType): string {
  if (value === null) return ''
  if (typeof value === 'boolean') return value ? 't' : 'f'
  if (typeof value === 'number') return String(value)
  let text = value.includes('\u0000') ? value.replaceAll('\u0000', '') : value
  if (type === 'json' && text.includes('\\u0000')) text = text.replace(JSON_NUL, '$1')
  return `"${text.replaceAll('"', '""')}"`
}

/** Rows as CSV text, one line per row; `columns` gives each field's type, in row order. */
export function csvRows(
  rows: ReadonlyArray<ReadonlyArray<Cell>>,
  columns?: ReadonlyArray<[string, ColumnType]>,
): string {
  let out = ''
  for (const row of rows) out += `${row.map((v, i) => csvField(v, columns?.[i]?.[1])).join(',')}\n`
  return out
}
