import pg from 'pg'
import { afterAll, beforeAll } from 'vitest'

/** The machine's PostgreSQL (trust auth), as an administrator. */
export const ADMIN = process.env.PATCHBAY_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test'

/** The URL of database `name` on the same server; a `password` (ignored by trust auth) shows redaction. */
export function databaseUrl(name: string, password?: string): string {
  const u = new URL(ADMIN)
  u.pathname = `/${name}`
  if (password !== undefined) u.password = password
  return u.toString()
}

/**
 * A database of the calling test file's own (`<prefix>_<pid>`), created before its tests and
 * dropped after them, whatever they left in it; `db()` is a client connected to it.
 */
export function testDatabase(prefix: string): { name: string; db: () => pg.Client } {
  const name = `${prefix}_${process.pid}`
  let admin: pg.Client | undefined
  let db: pg.Client | undefined
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: ADMIN })
    await admin.connect()
    await admin.query(`DROP DATABASE IF EXISTS ${name}`)
    await admin.query(`CREATE DATABASE ${name}`)
    db = new pg.Client({ connectionString: databaseUrl(name) })
    await db.connect()
  })
  afterAll(async () => {
    await db?.end()
    await admin?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin?.end()
  })
  return {
    name,
    db: () => {
      if (!db) throw new Error(`the test database ${name} is not open (used outside a test?)`)
      return db
    },
  }
}
