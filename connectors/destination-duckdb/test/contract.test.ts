import { describeConnector } from '@patchbay/testing'
import duckdb from '../src/index.ts'

// The contract suite, with an in-memory database (fixtures/contract/config.json) and the
// DuckDB errors of fixtures/contract/errors/ (a lock held by another process is retryable).
describeConnector(duckdb, { fixtures: new URL('./fixtures/contract/', import.meta.url) })
