import { SQL_RESERVED } from './_reserved.ts'
import type { ColumnType } from './column-type.ts'
import { ansiQuote, type Dialect } from './dialect.ts'

const POSTGRES_TYPES: Record<ColumnType, string> = {
  int: 'bigint',
  float: 'double precision',
  boolean: 'boolean',
  timestamp: 'timestamptz',
  string: 'text',
  json: 'jsonb',
}

/**
 * PostgreSQL's system columns: every table has them, so no column may take their names (a
 * bounding box's `xmin` and `xmax` become `_xmin` and `_xmax`).
 */
const POSTGRES_RESERVED: ReadonlySet<string> = new Set([
  ...SQL_RESERVED,
  'tableoid',
  'xmin',
  'cmin',
  'xmax',
  'cmax',
  'ctid',
])

/** PostgreSQL: identifiers up to 63 bytes (NAMEDATALEN - 1). */
export const postgresDialect: Dialect = Object.freeze({
  name: 'postgres',
  maxIdentifierLength: 63,
  reserved: POSTGRES_RESERVED,
  sqlType: (type: ColumnType) => POSTGRES_TYPES[type],
  quote: ansiQuote,
})

const DUCKDB_TYPES: Record<ColumnType, string> = {
  int: 'BIGINT',
  float: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMPTZ',
  string: 'VARCHAR',
  json: 'JSON',
}

/**
 * DuckDB: no hard identifier limit; 127 keeps names usable in every client (and equal to
 * Snowflake's and Redshift's limits, so the same events get the same names there).
 */
export const duckdbDialect: Dialect = Object.freeze({
  name: 'duckdb',
  maxIdentifierLength: 127,
  reserved: SQL_RESERVED,
  sqlType: (type: ColumnType) => DUCKDB_TYPES[type],
  quote: ansiQuote,
})
