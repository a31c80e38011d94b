// @patchbay/warehouse: the mapping every warehouse destination shares. Files:
//   map-event.ts    one event → rows in tracks / <event> / identifies / users / pages / screens / groups / aliases
//   identifiers.ts  snake_case, reserved words, leading digits, length limits, collisions
//   column-type.ts  type inference and which values fit which column
//   load-plan.ts    a batch → schema changes, rows per table and discards (the cached schema)
//   users-load.ts   the users rows of only the identifies a merge inserted (retries change nothing)
//   sql.ts          DDL and the idempotent merge from a staging table
//   delete-users.ts the statements that delete a user's rows from every table (regulations)
//   identity-tables.ts identity_mappings, identity_merges, identity_merge_rejections from identity stamps
//   dialect.ts      what a SQL engine must say; dialects.ts: postgres and duckdb
//   tables.ts       table and standard column names
export type { PatchbayEvent as WarehouseEvent } from '@patchbay/protocol'
export { type ColumnType, fits, inferType } from './column-type.ts'
export {
  type BoundStatement,
  deleteUsersSql,
  type WarehouseUserIdentifier,
} from './delete-users.ts'
export { ansiQuote, type Dialect } from './dialect.ts'
export { duckdbDialect, postgresDialect } from './dialects.ts'
export { deconflict, fitLength, normalizeIdentifier } from './identifiers.ts'
export {
  applyIdentityStamps,
  type Execute,
  IDENTITY_MAPPINGS_TABLE,
  IDENTITY_MERGES_TABLE,
  IDENTITY_REJECTIONS_TABLE,
  IDENTITY_TABLES,
} from './identity-tables.ts'
export {
  applyChanges,
  type LoadPlan,
  planLoad,
  rowsWithIds,
  type SchemaChange,
  type TableLoad,
  type WarehouseSchema,
} from './load-plan.ts'
export { type MappedRow, mapEvent } from './map-event.ts'
export { changeSql, keyOf, mergeSql, qualified } from './sql.ts'
export {
  CALL_TABLE_NAMES,
  CALL_TABLES,
  DISCARD_COLUMNS,
  DISCARDS_TABLE,
  RESERVED_TABLES,
  STANDARD_COLUMNS,
  USERS_TABLE,
} from './tables.ts'
export { usersOfInserted } from './users-load.ts'
