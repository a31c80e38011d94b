import type { DatabaseSync } from 'node:sqlite'
import { inTransaction } from './_transaction.ts'

/**
 * Schema migrations, applied in order. `PRAGMA user_version` holds how many have run.
 * Never edit a released migration: append a new one.
 *
 * Jobs carry `head`: 1 when the job has no order key, or is the oldest job of its
 * destination and order key (every row in `jobs` is pending). Ordered claims read only
 * heads, through their own partial index, so a key with thousands of queued jobs costs
 * one index entry per claim rather than a scan.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    event TEXT NOT NULL,
    stored_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    destination_id TEXT NOT NULL,
    order_key TEXT,
    message_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('waiting', 'in_flight', 'retrying')),
    head INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    last_error TEXT
  ) STRICT;
  CREATE INDEX jobs_due ON jobs (destination_id, next_at) WHERE state <> 'in_flight';
  CREATE INDEX jobs_due_head ON jobs (destination_id, next_at) WHERE state <> 'in_flight' AND head = 1;
  CREATE INDEX jobs_key ON jobs (destination_id, order_key) WHERE order_key IS NOT NULL;

  CREATE TABLE dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    destination_id TEXT NOT NULL,
    order_key TEXT,
    message_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    aborted_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX dead_letters_destination ON dead_letters (destination_id);
  `,
  // Transform attempts per event, counted durably before user code runs, so an event that
  // takes the sandbox (or the whole gateway) down is recognised after a restart.
  `
  ALTER TABLE events ADD COLUMN transform_attempts INTEGER NOT NULL DEFAULT 0;
  `,
  // An event is stored once. Processing marks it processed (it leaves the pending queue)
  // instead of copying it into every job: a job whose event the transformations left
  // unchanged references it (event_seq) and has no payload of its own; a job with a changed
  // event carries that event. The event row goes when its last job does. Dead letters copy
  // the payload when a job is aborted, so they outlive the event row.
  `
  ALTER TABLE events ADD COLUMN processed INTEGER NOT NULL DEFAULT 0;
  -- Set on an event replayed from a transformations dead letter: its jobs go to that destination only.
  ALTER TABLE events ADD COLUMN destination_id TEXT;
  CREATE INDEX events_pending ON events (seq) WHERE processed = 0;

  CREATE TABLE jobs_v3 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    destination_id TEXT NOT NULL,
    order_key TEXT,
    message_id TEXT NOT NULL,
    event_seq INTEGER,
    payload TEXT,
    state TEXT NOT NULL CHECK (state IN ('waiting', 'in_flight', 'retrying')),
    head INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    last_error TEXT,
    CHECK ((event_seq IS NULL) <> (payload IS NULL))
  ) STRICT;
  INSERT INTO jobs_v3 (id, destination_id, order_key, message_id, payload, state, head, attempts, next_at, created_at, last_error)
    SELECT id, destination_id, order_key, message_id, payload, state, head, attempts, next_at, created_at, last_error FROM jobs;
  DROP TABLE jobs;
  ALTER TABLE jobs_v3 RENAME TO jobs;
  CREATE INDEX jobs_due ON jobs (destination_id, next_at) WHERE state <> 'in_flight';
  CREATE INDEX jobs_due_head ON jobs (destination_id, next_at) WHERE state <> 'in_flight' AND head = 1;
  CREATE INDEX jobs_key ON jobs (destination_id, order_key) WHERE order_key IS NOT NULL;
  CREATE INDEX jobs_event ON jobs (event_seq) WHERE event_seq IS NOT NULL;

  ALTER TABLE dead_letters ADD COLUMN step TEXT NOT NULL DEFAULT 'delivery' CHECK (step IN ('transformations', 'delivery'));
  ALTER TABLE dead_letters ADD COLUMN source_id TEXT;
  `,
  // Regulations: suppressed users (their identifiers, in force until removed) and the
  // deletions fanned out to destinations, kept as an audit trail. `changed` grows with every
  // creation and removal, so "did anything change" is one index read.
  `
  CREATE TABLE regulations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL CHECK (type IN ('suppress', 'suppress_with_delete')),
    identifiers TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    removed_at INTEGER,
    purged_jobs INTEGER NOT NULL DEFAULT 0,
    purged_dead_letters INTEGER NOT NULL DEFAULT 0,
    changed INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX regulations_changed ON regulations (changed);
  CREATE TABLE suppressed_identifiers (
    regulation_id INTEGER NOT NULL,
    type TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (type, value, regulation_id)
  ) STRICT;
  CREATE INDEX suppressed_regulation ON suppressed_identifiers (regulation_id);
  CREATE TABLE deletions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    regulation_id INTEGER NOT NULL,
    destination_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed', 'unsupported')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    lease_until INTEGER,
    reason TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX deletions_due ON deletions (next_at) WHERE status = 'pending';
  CREATE INDEX deletions_regulation ON deletions (regulation_id);
  `,
]

/** Brings the schema up to date, one transaction per migration. */
export function migrate(db: DatabaseSync, file: string): void {
  const version = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version
  if (version > MIGRATIONS.length)
    throw new Error(
      `${file} has schema version ${version}, but this Patchbay only knows versions up to ${MIGRATIONS.length}: it was written by a newer Patchbay. Run that version, or a newer one, on this data directory.`,
    )
  for (let next = version; next < MIGRATIONS.length; next++)
    inTransaction(
      db,
      () => {
        db.exec(MIGRATIONS[next]!)
        db.exec(`PRAGMA user_version = ${next + 1}`)
      },
      { durable: true },
    )
}
