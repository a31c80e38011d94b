// @patchbay/destination-duckdb. Files:
//   destination.ts  the client destination (open a DuckDB file, load batches, classify errors)
//   config.ts       the TypeBox config schema (DuckdbConfigSchema)
//   _loader.ts      one batch → one transaction: schema changes, appender into staging, idempotent merge
export { type DuckdbConfig, DuckdbConfigSchema } from './config.ts'
export { type DuckdbClient, default } from './destination.ts'
