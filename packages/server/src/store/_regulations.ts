import type { DatabaseSync } from 'node:sqlite'
import type { JobQueue } from './_jobs.ts'
import { byType, pathsOf, toDeletion, toRegulation } from './_regulation-rows.ts'
import type { StatsCounters } from './_stats.ts'
import type { Synchronous } from './_synchronous.ts'
import { inTransaction } from './_transaction.ts'
import type { RegulationIdentifier, Regulations } from './store.ts'

/** `$."a"."b"`: type names are plain keys (core's UserIdentifierSchema), so quoting is enough. */
const jsonPath = (keys: string[]) => `$${keys.map((k) => `."${k}"`).join('')}`

/** A predicate over the JSON text `column` matching any identifier, and its parameters. */
function matching(column: string, identifiers: readonly RegulationIdentifier[]) {
  const clauses: string[] = []
  const params: string[] = []
  for (const [type, values] of byType(identifiers)) {
    for (const path of pathsOf(type)) {
      clauses.push(`json_extract(${column}, ?) IN (SELECT value FROM json_each(?))`)
      params.push(jsonPath(path), JSON.stringify(values))
    }
  }
  return { sql: clauses.length === 0 ? '0' : `(${clauses.join(' OR ')})`, params }
}

/** The regulation tables of the SQLite store (one process: changes are seen at once). */
export function createRegulations(
  db: DatabaseSync,
  stats: StatsCounters,
  jobs: JobQueue,
): Synchronous<Regulations> {
  const nextChange = 'coalesce((SELECT max(changed) FROM regulations), 0) + 1'
  const insertRegulation = db.prepare(`
    INSERT INTO regulations (type, identifiers, created_at, changed) VALUES (?, ?, ?, ${nextChange}) RETURNING id`)
  const insertIdentifier = db.prepare(
    'INSERT OR IGNORE INTO suppressed_identifiers (regulation_id, type, value) VALUES (?, ?, ?)',
  )
  const setPurged = db.prepare('UPDATE regulations SET purged_jobs = ?, purged_dead_letters = ? WHERE id = ?')
  const insertDeletion = db.prepare(`
    INSERT INTO deletions (regulation_id, destination_id, status, next_at, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?)`)
  const getOne = db.prepare('SELECT * FROM regulations WHERE id = ?')
  const deletionsOf = db.prepare('SELECT * FROM deletions WHERE regulation_id = ? ORDER BY id')
  const removeOne = db.prepare(
    `UPDATE regulations SET removed_at = ?, changed = ${nextChange} WHERE id = ? AND removed_at IS NULL`,
  )
  const unsuppress = db.prepare('DELETE FROM suppressed_identifiers WHERE regulation_id = ?')
  const version = db.prepare('SELECT coalesce(max(changed), 0) AS v FROM regulations')
  const allSuppressed = db.prepare('SELECT DISTINCT type, value FROM suppressed_identifiers')
  const due = db.prepare(`
    SELECT d.id, d.regulation_id, d.destination_id, d.attempts, d.created_at, r.identifiers
    FROM deletions AS d INDEXED BY deletions_due JOIN regulations AS r ON r.id = d.regulation_id
    WHERE d.status = 'pending' AND d.next_at <= $now AND (d.lease_until IS NULL OR d.lease_until < $now)
    ORDER BY d.next_at, d.id LIMIT $limit`)
  const lease = db.prepare('UPDATE deletions SET lease_until = ? WHERE id = ?')
  const done = db.prepare(
    "UPDATE deletions SET status = 'done', attempts = attempts + 1, lease_until = NULL, reason = NULL, updated_at = ? WHERE id = ? AND status = 'pending'",
  )
  const retry = db.prepare(
    "UPDATE deletions SET attempts = attempts + 1, next_at = ?, lease_until = NULL, reason = ?, updated_at = ? WHERE id = ? AND status = 'pending'",
  )
  const fail = db.prepare(
    "UPDATE deletions SET status = 'failed', attempts = attempts + 1, lease_until = NULL, reason = ?, updated_at = ? WHERE id = ? AND status = 'pending'",
  )
  const release = db.prepare(
    "UPDATE deletions SET lease_until = NULL WHERE status = 'pending' AND lease_until IS NOT NULL",
  )

  const read = (row: Record<string, unknown>) =>
    toRegulation(row, (deletionsOf.all(row.id as number) as Array<Record<string, unknown>>).map(toDeletion))

  return {
    create({ type, identifiers, deleteAt, cannotDelete }, now) {
      const { id, commit } = inTransaction(
        db,
        () => {
          const { id } = insertRegulation.get(type, JSON.stringify(identifiers), now) as { id: number }
          for (const { type: t, value } of identifiers) insertIdentifier.run(id, t, value)
          // Queued jobs not in flight (a job in flight is dropped by its worker, which checks again).
          const jobMatch = matching('coalesce(j.payload, e.event)', identifiers)
          const jobIds = (
            db
              .prepare(
                `SELECT j.id FROM jobs AS j LEFT JOIN events AS e ON e.seq = j.event_seq
                 WHERE j.state <> 'in_flight' AND ${jobMatch.sql}`,
              )
              .all(...jobMatch.params) as Array<{ id: number }>
          ).map((r) => r.id)
          const countJobs = jobs.purge(jobIds)
          const letterMatch = matching('payload', identifiers)
          const letters = db
            .prepare(`DELETE FROM dead_letters WHERE ${letterMatch.sql} RETURNING destination_id AS d`)
            .all(...letterMatch.params) as Array<{ d: string }>
          setPurged.run(jobIds.length, letters.length, id)
          if (type === 'suppress_with_delete') {
            for (const destinationId of deleteAt)
              insertDeletion.run(id, destinationId, 'pending', now, now, now)
            for (const destinationId of cannotDelete)
              insertDeletion.run(id, destinationId, 'unsupported', now, now, now)
          }
          return {
            id,
            commit: () => {
              countJobs()
              for (const { d } of letters) stats.addDeadLetters(d, -1)
            },
          }
        },
        { durable: true },
      )
      commit()
      return read(getOne.get(id) as Record<string, unknown>)
    },
    list({ limit = 100, beforeId, includeRemoved = true } = {}) {
      const rows = db
        .prepare(
          `SELECT * FROM regulations WHERE id < ? ${includeRemoved ? '' : 'AND removed_at IS NULL'} ORDER BY id DESC LIMIT ?`,
        )
        .all(beforeId ?? Number.MAX_SAFE_INTEGER, limit) as Array<Record<string, unknown>>
      return rows.map(read)
    },
    get(id) {
      const row = getOne.get(id) as Record<string, unknown> | undefined
      return row && read(row)
    },
    remove(id, now) {
      return inTransaction(
        db,
        () => {
          if (removeOne.run(now, id).changes === 0) return false
          unsuppress.run(id)
          return true
        },
        { durable: true },
      )
    },
    version: () => (version.get() as { v: number }).v,
    suppressed() {
      return inTransaction(db, () => ({
        version: (version.get() as { v: number }).v,
        identifiers: allSuppressed.all() as unknown as RegulationIdentifier[],
      }))
    },
    claimDeletions({ limit, now, leaseMs }) {
      return inTransaction(db, () => {
        const rows = due.all({ now, limit }) as Array<Record<string, unknown>>
        for (const row of rows) lease.run(now + leaseMs, row.id as number)
        return rows.map((row) => ({
          id: Number(row.id),
          regulationId: Number(row.regulation_id),
          destinationId: row.destination_id as string,
          identifiers: JSON.parse(row.identifiers as string),
          attempts: Number(row.attempts),
          createdAt: Number(row.created_at),
        }))
      })
    },
    settleDeletion(id, settlement, now) {
      if (settlement.status === 'done') done.run(now, id)
      else if (settlement.status === 'retry') retry.run(settlement.nextAt, settlement.error, now, id)
      else fail.run(settlement.reason, now, id)
    },
    releaseDeletions: () => Number(release.run().changes),
  }
}
