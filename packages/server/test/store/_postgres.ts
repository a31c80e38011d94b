import pg from 'pg'

/** The machine's PostgreSQL (trust auth), or PATCHBAY_TEST_PG_URL's server. */
export const PG_ADMIN_URL = process.env.PATCHBAY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** `PG_ADMIN_URL` with another database. */
export const pgUrl = (database: string) => {
  const url = new URL(PG_ADMIN_URL)
  url.pathname = `/${database}`
  return url.toString()
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/**
 * Creates a database of its own for a test file (name from `label` and this process, so
 * parallel runs do not meet) and returns its URL; `drop` removes it, closing leftover
 * connections first.
 */
export async function createTestDatabase(label: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `pb_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}`
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await c.query(`CREATE DATABASE ${name}`)
  })
  return {
    url: pgUrl(name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  }
}

/** Runs one query on `url` from a connection of its own. */
export async function queryDatabase(url: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await client.query(text, values)
  } finally {
    await client.end()
  }
}
