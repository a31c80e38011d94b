import pg from 'pg'

/** The machine's PostgreSQL (trust auth), or PATCHBAY_TEST_PG_URL's server. */
const PG_ADMIN_URL = process.env.PATCHBAY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

async function admin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

/**
 * A database of its own for a test file (named from `label` and this process, so parallel
 * runs do not meet), dropped by `drop` with any connection left on it. Tests take a schema
 * each in it (`schema()`), so they do not see one another's graph.
 */
export async function createTestDatabase(label: string) {
  const name = `pb_identity_${label}_${process.pid}`
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await admin(`CREATE DATABASE ${name}`)
  const url = new URL(PG_ADMIN_URL)
  url.pathname = `/${name}`
  let schemas = 0
  return {
    url: url.toString(),
    schema: () => `graph_${++schemas}`,
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  }
}
