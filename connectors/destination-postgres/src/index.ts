// @patchbay/destination-postgres. Files:
//   destination.ts  the client destination (a pg Pool per destination, load batches, check)
//   config.ts       the TypeBox config schema (PostgresConfigSchema)
//   _loader.ts      one batch → one transaction: advisory lock, schema changes, COPY into staging, idempotent merge
//   _csv.ts         rows as COPY csv
//   _classify.ts    pg errors → retryable / configuration / aborted, password redacted
export { classifyPgError } from './_classify.ts'
export { type PostgresConfig, PostgresConfigSchema } from './config.ts'
export { default, type PostgresClient } from './destination.ts'
