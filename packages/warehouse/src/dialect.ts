import type { ColumnType } from './column-type.ts'

/**
 * What the mapping needs to know of a SQL engine. A third warehouse is one of these plus a
 * loader (how rows get in fast: COPY, an appender, a bulk API).
 */
export interface Dialect {
  name: string
  /** Longest identifier the engine keeps (Postgres: 63 bytes). */
  maxIdentifierLength: number
  /** Words that cannot be a bare identifier; a name that is one gets a leading `_`. */
  reserved: ReadonlySet<string>
  /** The SQL type of a column type. */
  sqlType(type: ColumnType): string
  /** Quotes an identifier (always quoted, so case and keywords never matter). */
  quote(identifier: string): string
}

/** Double-quotes an identifier, doubling quotes inside it (ANSI SQL). */
export const ansiQuote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`
