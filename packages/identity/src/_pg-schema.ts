import type pg from 'pg'

// The identity tables in PostgreSQL: their DDL, their own schema version, and the lock that
// serialises creating them and every write of the graph.

/** The identity tables' own schema version (a row of `identity_meta`, apart from the gateway store's migrations). */
const SCHEMA_VERSION = 1
/** Advisory lock class of the identity graph; the second key is the hash of the schema name. */
export const LOCK_CLASS = 0x7062_0100

const ddl = (s: string) => `
CREATE TABLE IF NOT EXISTS ${s}.identity_nodes (
  id bigint PRIMARY KEY,
  type text NOT NULL,
  value text NOT NULL,
  first_ts double precision NOT NULL,
  first_message_id text NOT NULL,
  blocked boolean NOT NULL DEFAULT false,
  canonical_id text NOT NULL,
  seq bigint NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS identity_nodes_by_id ON ${s}.identity_nodes (type, value);
CREATE INDEX IF NOT EXISTS identity_nodes_by_canonical ON ${s}.identity_nodes (canonical_id);
CREATE INDEX IF NOT EXISTS identity_nodes_by_seq ON ${s}.identity_nodes (seq);
CREATE TABLE IF NOT EXISTS ${s}.identity_edges (
  a bigint NOT NULL,
  b bigint NOT NULL,
  priority integer NOT NULL,
  ts double precision NOT NULL,
  message_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('accepted', 'rejected', 'blocked')),
  reason text,
  seq bigint NOT NULL,
  PRIMARY KEY (a, b)
);
CREATE INDEX IF NOT EXISTS identity_edges_by_seq ON ${s}.identity_edges (seq);
CREATE TABLE IF NOT EXISTS ${s}.identity_merges (
  seq bigserial PRIMARY KEY,
  kind text NOT NULL,
  from_id text NOT NULL,
  from_node bigint NOT NULL,
  to_id text NOT NULL,
  to_node bigint NOT NULL,
  nodes integer NOT NULL,
  ts double precision NOT NULL,
  message_id text NOT NULL
);
CREATE INDEX IF NOT EXISTS identity_merges_from ON ${s}.identity_merges (from_id);
CREATE INDEX IF NOT EXISTS identity_merges_to ON ${s}.identity_merges (to_id);
`

/** Creates the schema and tables (under a session advisory lock, for nodes starting together), and checks the version. */
export async function prepareSchema(client: pg.ClientBase, schema: string, readOnly: boolean): Promise<void> {
  if (readOnly) {
    const { rows } = await client.query('SELECT to_regclass($1) AS t', [`${schema}.identity_meta`])
    if (rows[0].t === null)
      throw new Error(`no identity graph there: no gateway with identity stitching has used this database`)
    await checkVersion(client, schema)
    return
  }
  await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_CLASS, schema])
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.identity_meta (key text PRIMARY KEY, value bigint NOT NULL)`,
    )
    await client.query(
      `INSERT INTO ${schema}.identity_meta (key, value) VALUES ('schema_version', $1), ('seq', 0) ON CONFLICT (key) DO NOTHING`,
      [SCHEMA_VERSION],
    )
    await checkVersion(client, schema)
    await client.query(ddl(schema))
  } finally {
    await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_CLASS, schema])
  }
}

async function checkVersion(client: pg.ClientBase, schema: string): Promise<void> {
  const { rows } = await client.query(
    `SELECT value FROM ${schema}.identity_meta WHERE key = 'schema_version'`,
  )
  const version = Number(rows[0]?.value ?? 0)
  if (version > SCHEMA_VERSION)
    throw new Error(
      `its identity tables have schema version ${version}; this Patchbay knows up to ${SCHEMA_VERSION} (run the newer Patchbay that wrote them)`,
    )
}
