/** One value as a CSV field for `COPY ... (FORMAT csv)`: NULL is an empty unquoted field. */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return ''
  if (typeof value === 'boolean') return value ? 't' : 'f'
  if (typeof value === 'number') return String(value)
  // PostgreSQL text cannot hold NUL: it is dropped (also as a JSON escape, which jsonb refuses).
  const text = value.replaceAll('\u0000', '').replaceAll('\\u0000', '')
  return `"${text.replaceAll('"', '""')}"`
}

/** Rows as CSV text, one line per row. */
export function csvRows(rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null>>): string {
  let out = ''
  for (const row of rows) out += `${row.map(csvField).join(',')}\n`
  return out
}
