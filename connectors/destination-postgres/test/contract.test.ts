import { describeConnector } from '@patchbay/testing'
import pg from 'pg'
import { afterAll, beforeAll } from 'vitest'
import postgres from '../src/index.ts'

// The contract suite against the machine's PostgreSQL, in a database this file makes and
// drops, with the SQLSTATEs of fixtures/contract/errors/ (class 08/40/53/57 retryable, data
// and authentication errors permanent).
const ADMIN = process.env.PATCHBAY_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test'
const DB = `pb_wh_contract_${process.pid}`
const url = new URL(ADMIN)
url.pathname = `/${DB}`

let admin: pg.Client
beforeAll(async () => {
  admin = new pg.Client({ connectionString: ADMIN })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
  await admin.query(`CREATE DATABASE ${DB}`)
})
afterAll(async () => {
  await admin?.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
  await admin?.end()
})

describeConnector(postgres, {
  fixtures: new URL('./fixtures/contract/', import.meta.url),
  config: { connectionString: url.toString(), schema: 'contract' },
})
