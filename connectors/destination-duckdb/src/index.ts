// @patchbay/destination-duckdb. Files:
//   destination.ts  the client destination (open a DuckDB file, load batches, classify errors)
//   config.ts       the TypeBox config schema (DuckdbConfigSchema)
//   table-counts.ts row counts per table (`patchbay warehouse`)
//   _loader.ts      one batch → one transaction: schema changes, direct append (merge when an id is already there)
//   _append.ts      rows into an appender, as data chunks
export { type DuckdbConfig, DuckdbConfigSchema } from './config.ts'
export { type DuckdbClient, default } from './destination.ts'
export { tableCounts } from './table-counts.ts'
