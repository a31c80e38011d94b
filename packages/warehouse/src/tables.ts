import type { ColumnType } from './column-type.ts'

/** The tables every warehouse gets, by call type (Segment's and RudderStack's names). */
export const CALL_TABLES = {
  track: 'tracks',
  identify: 'identifies',
  page: 'pages',
  screen: 'screens',
  group: 'groups',
  alias: 'aliases',
} as const

/** The call tables' names: a merge into one of them returns the ids it inserted. */
export const CALL_TABLE_NAMES: ReadonlySet<string> = new Set(Object.values(CALL_TABLES))

/** One row per user with the latest traits (upserted from identify calls). */
export const USERS_TABLE = 'users'
/** Values that did not fit their column: table, column, value, reason. */
export const DISCARDS_TABLE = 'patchbay_discards'

/** Names an event table can never take: a track event called `Users` lands in `_users`. */
export const RESERVED_TABLES: ReadonlySet<string> = new Set([
  ...Object.values(CALL_TABLES),
  USERS_TABLE,
  DISCARDS_TABLE,
  // The identity tables (identity-tables.ts).
  'identity_mappings',
  'identity_merges',
  'identity_merge_rejections',
])

/** Columns of fixed type, whatever their value looks like. */
export const STANDARD_COLUMNS: Readonly<Record<string, ColumnType>> = Object.freeze({
  id: 'string',
  anonymous_id: 'string',
  user_id: 'string',
  event: 'string',
  event_text: 'string',
  name: 'string',
  category: 'string',
  group_id: 'string',
  previous_id: 'string',
  timestamp: 'timestamp',
  original_timestamp: 'timestamp',
  sent_at: 'timestamp',
  received_at: 'timestamp',
})

/** The columns of the discards table, in order. */
export const DISCARD_COLUMNS: ReadonlyArray<[string, ColumnType]> = [
  ['row_id', 'string'],
  ['table_name', 'string'],
  ['column_name', 'string'],
  ['value', 'string'],
  ['reason', 'string'],
  ['received_at', 'timestamp'],
]
