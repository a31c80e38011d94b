import type pg from 'pg'
import { SETTLE_FUNCTIONS } from './_functions.ts'

/** The advisory lock key that serialises migrations between nodes starting together. */
const MIGRATION_LOCK = 0x7062_0001 // "pb" 1

/**
 * Schema migrations, applied in order, each in its own transaction, recorded in
 * `patchbay.schema_migrations`. Never edit a released migration: append a new one.
 *
 * Every table lives in the `patchbay` schema, so the store can share a database with the
 * application that already runs there. Event and payload JSON is text, stored exactly as
 * ingest measured it (no jsonb re-encoding on the hot path).
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE patchbay.events (
    seq bigserial PRIMARY KEY,
    source_id text NOT NULL,
    message_id text NOT NULL,
    event text NOT NULL,
    stored_at bigint NOT NULL,
    transform_attempts integer NOT NULL DEFAULT 0,
    processed boolean NOT NULL DEFAULT false,
    destination_id text
  );
  CREATE INDEX events_pending ON patchbay.events (seq) WHERE NOT processed;

  CREATE TABLE patchbay.jobs (
    id bigserial PRIMARY KEY,
    destination_id text NOT NULL,
    order_key text,
    message_id text NOT NULL,
    event_seq bigint,
    payload text,
    state text NOT NULL CHECK (state IN ('waiting', 'in_flight', 'retrying')),
    attempts integer NOT NULL DEFAULT 0,
    next_at bigint NOT NULL,
    created_at bigint NOT NULL,
    last_error text,
    -- The node holding an in_flight job, and until when without a heartbeat.
    node text,
    lease_until timestamptz,
    CHECK ((event_seq IS NULL) <> (payload IS NULL))
  );
  CREATE INDEX jobs_due ON patchbay.jobs (destination_id, next_at, id) WHERE state <> 'in_flight';
  CREATE INDEX jobs_key ON patchbay.jobs (destination_id, order_key, id) WHERE order_key IS NOT NULL;
  CREATE INDEX jobs_event ON patchbay.jobs (event_seq) WHERE event_seq IS NOT NULL;
  CREATE INDEX jobs_lease ON patchbay.jobs (lease_until) WHERE state = 'in_flight';
  CREATE INDEX jobs_node ON patchbay.jobs (node) WHERE state = 'in_flight';

  CREATE TABLE patchbay.dead_letters (
    id bigserial PRIMARY KEY,
    destination_id text NOT NULL,
    order_key text,
    message_id text NOT NULL,
    payload text NOT NULL,
    attempts integer NOT NULL,
    reason text NOT NULL,
    created_at bigint NOT NULL,
    aborted_at bigint NOT NULL,
    step text NOT NULL CHECK (step IN ('transformations', 'delivery')),
    source_id text
  );
  CREATE INDEX dead_letters_destination ON patchbay.dead_letters (destination_id, id);
  `,
  // Regulations: suppressed users and the deletions fanned out to destinations (the audit
  // trail). `changed` takes a number from a sequence at every creation and removal, so each
  // node learns "something changed" from one index read (max(changed)).
  `
  CREATE SEQUENCE patchbay.regulation_changes;
  CREATE TABLE patchbay.regulations (
    id bigserial PRIMARY KEY,
    type text NOT NULL CHECK (type IN ('suppress', 'suppress_with_delete')),
    identifiers text NOT NULL,
    created_at bigint NOT NULL,
    removed_at bigint,
    purged_jobs integer NOT NULL DEFAULT 0,
    purged_dead_letters integer NOT NULL DEFAULT 0,
    changed bigint NOT NULL DEFAULT nextval('patchbay.regulation_changes')
  );
  CREATE INDEX regulations_changed ON patchbay.regulations (changed);
  CREATE TABLE patchbay.suppressed_identifiers (
    regulation_id bigint NOT NULL REFERENCES patchbay.regulations (id),
    type text NOT NULL,
    value text NOT NULL,
    PRIMARY KEY (type, value, regulation_id)
  );
  CREATE INDEX suppressed_regulation ON patchbay.suppressed_identifiers (regulation_id);
  CREATE TABLE patchbay.deletions (
    id bigserial PRIMARY KEY,
    regulation_id bigint NOT NULL REFERENCES patchbay.regulations (id),
    destination_id text NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'done', 'failed', 'unsupported')),
    attempts integer NOT NULL DEFAULT 0,
    next_at bigint NOT NULL,
    lease_until bigint,
    reason text,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE INDEX deletions_due ON patchbay.deletions (next_at) WHERE status = 'pending';
  CREATE INDEX deletions_regulation ON patchbay.deletions (regulation_id, id);
  `,
  // The hot path's transactions as functions: one round trip each instead of BEGIN, the
  // statements and COMMIT (see _functions.ts).
  SETTLE_FUNCTIONS,
  // The due jobs without an order key, oldest first: an ordered claim that reads the heads of
  // a destination's keys (a skip scan of jobs_key, see _claim.ts) finds its jobs without a key
  // here, without reading the keyed backlog in jobs_due. Unordered destinations' jobs have no
  // key either, so each of them adds an entry here too.
  `
  CREATE INDEX jobs_unkeyed_due ON patchbay.jobs (destination_id, next_at, id)
    WHERE order_key IS NULL AND state <> 'in_flight';
  `,
]

/**
 * Brings the schema up to date. Takes a session advisory lock first, so that of several
 * nodes starting together one migrates and the others wait, then find nothing left to do.
 */
export async function migrate(client: pg.ClientBase, where: string): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
  try {
    await client.query(`
      CREATE SCHEMA IF NOT EXISTS patchbay;
      CREATE TABLE IF NOT EXISTS patchbay.schema_migrations (
        version integer PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`)
    const { rows } = await client.query(
      'SELECT coalesce(max(version), 0)::int AS v FROM patchbay.schema_migrations',
    )
    const version = rows[0].v as number
    if (version > MIGRATIONS.length)
      throw new Error(
        `${where} has Patchbay schema version ${version}, but this Patchbay only knows versions up to ${MIGRATIONS.length}: it was written by a newer Patchbay. Run that version, or a newer one, against this database.`,
      )
    for (let next = version; next < MIGRATIONS.length; next++) {
      await client.query('BEGIN')
      try {
        await client.query(MIGRATIONS[next]!)
        await client.query('INSERT INTO patchbay.schema_migrations (version) VALUES ($1)', [next + 1])
        await client.query('COMMIT')
      } catch (error) {
        await client.query('ROLLBACK')
        throw error
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK])
  }
}
