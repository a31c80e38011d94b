import './error-codes.ts'
import fs from 'node:fs'
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { PatchbayError } from '@patchbay/core'
import type { MergeRecord } from './identity-schema.ts'
import type { EdgeRecord, EdgeStatus, GraphChanges, IdentityStore, NodeRecord } from './identity-store.ts'

/** The identity graph's own file in the data directory, next to the gateway's queue. */
export const IDENTITY_DB_FILE = 'identity.db'
const SCHEMA_VERSION = 1

const SCHEMA = `
CREATE TABLE IF NOT EXISTS identity_nodes (
  id INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  value TEXT NOT NULL,
  first_ts REAL NOT NULL,
  first_message_id TEXT NOT NULL,
  blocked INTEGER NOT NULL DEFAULT 0,
  canonical_id TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS identity_nodes_by_id ON identity_nodes (type, value);
CREATE INDEX IF NOT EXISTS identity_nodes_by_canonical ON identity_nodes (canonical_id);
CREATE TABLE IF NOT EXISTS identity_edges (
  a INTEGER NOT NULL,
  b INTEGER NOT NULL,
  priority INTEGER NOT NULL,
  ts REAL NOT NULL,
  message_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected', 'blocked')),
  reason TEXT,
  PRIMARY KEY (a, b)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS identity_merges (
  seq INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  from_id TEXT NOT NULL,
  from_node INTEGER NOT NULL,
  to_id TEXT NOT NULL,
  to_node INTEGER NOT NULL,
  nodes INTEGER NOT NULL,
  ts REAL NOT NULL,
  message_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS identity_merges_from ON identity_merges (from_id);
CREATE INDEX IF NOT EXISTS identity_merges_to ON identity_merges (to_id);
`

/**
 * The identity graph in SQLite (node:sqlite, WAL, synchronous=FULL): `identity.db` in the
 * gateway's data directory, its own file so the graph's writes never wait on the queue's
 * and it can be deleted and rebuilt from event history on its own. Each `commit` is one
 * transaction, so a crash (SIGKILL included) leaves the graph as of the last whole batch.
 *
 * @example
 * const store = openSqliteIdentityStore({ dir: './patchbay-data' })
 */
export function openSqliteIdentityStore(options: { dir: string; readOnly?: boolean }): IdentityStore {
  const file = path.join(path.resolve(options.dir), IDENTITY_DB_FILE)
  let db: DatabaseSync
  try {
    if (options.readOnly) {
      if (!fs.existsSync(file))
        throw new Error(
          `${file} does not exist: no gateway with identity stitching has run on this data directory`,
        )
      db = new DatabaseSync(file, { readOnly: true, timeout: 5000 })
    } else {
      fs.mkdirSync(path.dirname(file), { recursive: true })
      db = new DatabaseSync(file, { timeout: 5000 })
      db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;')
      const version = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version
      if (version > SCHEMA_VERSION)
        throw new Error(`${file} has schema version ${version}; this Patchbay knows up to ${SCHEMA_VERSION}`)
      db.exec(SCHEMA)
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`)
    }
  } catch (cause) {
    throw new PatchbayError(
      'PB_IDENTITY_STORE',
      `Cannot open the identity graph at ${file}: ${(cause as Error).message}`,
      {
        cause,
        file,
        hint: 'Check the data directory (it must be writable), or move the file away and rebuild the graph from event history (docs/identity.md).',
      },
    )
  }
  const upsertNode = options.readOnly
    ? undefined
    : db.prepare(
        `INSERT INTO identity_nodes (id, type, value, first_ts, first_message_id, blocked, canonical_id) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET first_ts = excluded.first_ts, first_message_id = excluded.first_message_id,
           blocked = excluded.blocked, canonical_id = excluded.canonical_id`,
      )
  const upsertEdge = options.readOnly
    ? undefined
    : db.prepare(
        `INSERT INTO identity_edges (a, b, priority, ts, message_id, status, reason) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (a, b) DO UPDATE SET priority = excluded.priority, ts = excluded.ts, message_id = excluded.message_id,
           status = excluded.status, reason = excluded.reason`,
      )
  const appendLog = options.readOnly
    ? undefined
    : db.prepare(
        'INSERT INTO identity_merges (kind, from_id, from_node, to_id, to_node, nodes, ts, message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
  const toMerge = (row: Record<string, unknown>): MergeRecord => ({
    kind: row.kind as MergeRecord['kind'],
    from: row.from_id as string,
    fromNode: Number(row.from_node),
    to: row.to_id as string,
    toNode: Number(row.to_node),
    nodes: Number(row.nodes),
    ts: Number(row.ts),
    messageId: row.message_id as string,
  })

  return {
    where: file,
    async load() {
      const nodes = (
        db
          .prepare(
            'SELECT id, type, value, first_ts, first_message_id, blocked, canonical_id FROM identity_nodes ORDER BY id',
          )
          .all() as Array<Record<string, unknown>>
      ).map(
        (r): NodeRecord => ({
          id: Number(r.id),
          type: r.type as string,
          value: r.value as string,
          firstTs: Number(r.first_ts),
          firstMessageId: r.first_message_id as string,
          blocked: r.blocked === 1,
          canonicalId: r.canonical_id as string,
        }),
      )
      const edges = (
        db
          .prepare('SELECT a, b, priority, ts, message_id, status, reason FROM identity_edges')
          .all() as Array<Record<string, unknown>>
      ).map(
        (r): EdgeRecord => ({
          a: Number(r.a),
          b: Number(r.b),
          priority: Number(r.priority),
          ts: Number(r.ts),
          messageId: r.message_id as string,
          status: r.status as EdgeStatus,
          ...(r.reason === null ? {} : { reason: r.reason as string }),
        }),
      )
      return { nodes, edges }
    },
    async commit(changes: GraphChanges) {
      if (!upsertNode || !upsertEdge || !appendLog) throw new Error(`${file} is open read-only`)
      db.exec('BEGIN IMMEDIATE')
      try {
        for (const n of changes.nodes)
          upsertNode.run(n.id, n.type, n.value, n.firstTs, n.firstMessageId, n.blocked ? 1 : 0, n.canonicalId)
        for (const e of changes.edges)
          upsertEdge.run(e.a, e.b, e.priority, e.ts, e.messageId, e.status, e.reason ?? null)
        for (const m of changes.log)
          appendLog.run(m.kind, m.from, m.fromNode, m.to, m.toNode, m.nodes, m.ts, m.messageId)
        db.exec('COMMIT')
      } catch (error) {
        db.exec('ROLLBACK')
        throw error
      }
    },
    async history(canonicalIds, limit) {
      if (canonicalIds.length === 0) return []
      const marks = canonicalIds.map(() => '?').join(', ')
      return (
        db
          .prepare(
            `SELECT * FROM identity_merges WHERE from_id IN (${marks}) OR to_id IN (${marks}) ORDER BY seq LIMIT ?`,
          )
          .all(...canonicalIds, ...canonicalIds, limit) as Array<Record<string, unknown>>
      ).map(toMerge)
    },
    async historySize() {
      return Number((db.prepare('SELECT count(*) AS n FROM identity_merges').get() as { n: number }).n)
    },
    async close() {
      if (db.isOpen) db.close()
    },
  }
}
