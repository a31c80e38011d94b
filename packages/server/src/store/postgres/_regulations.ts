import type pg from 'pg'
import { byType, pathsOf, toDeletion, toRegulation } from '../_regulation-rows.ts'
import type { RegulationIdentifier, Regulations } from '../store.ts'
import { removeJobs } from './_jobs.ts'
import { inTransaction, type Query, queryOnce } from './_pool.ts'

/** A predicate over the JSON text `column` matching any identifier, its parameters numbered from `first`. */
function matching(column: string, identifiers: readonly RegulationIdentifier[], first: number) {
  const clauses: string[] = []
  const params: unknown[] = []
  for (const [type, values] of byType(identifiers)) {
    for (const path of pathsOf(type)) {
      params.push(path, values)
      clauses.push(
        `((${column})::jsonb #>> $${first + params.length - 2}::text[]) = ANY($${first + params.length - 1}::text[])`,
      )
    }
  }
  return { sql: clauses.length === 0 ? 'false' : `(${clauses.join(' OR ')})`, params }
}

async function readOne(query: Query, row: Record<string, unknown>) {
  const { rows } = await query(
    'pb_reg_deletions',
    'SELECT * FROM patchbay.deletions WHERE regulation_id = $1 ORDER BY id',
    [row.id],
  )
  return toRegulation(row, rows.map(toDeletion))
}

/** The regulation tables of the PostgreSQL store, shared by every node. */
export function createRegulations(pool: pg.Pool): Regulations {
  const read = (fn: (query: Query) => Promise<unknown>) => inTransaction(pool, fn as never)
  return {
    create({ type, identifiers, deleteAt, cannotDelete }, now) {
      return inTransaction(
        pool,
        async (query) => {
          const { rows } = await query(
            'pb_reg_insert',
            'INSERT INTO patchbay.regulations (type, identifiers, created_at) VALUES ($1, $2, $3) RETURNING id',
            [type, JSON.stringify(identifiers), now],
          )
          const id = rows[0].id as number
          await query(
            'pb_reg_identifiers',
            `INSERT INTO patchbay.suppressed_identifiers (regulation_id, type, value)
             SELECT $1, t, v FROM unnest($2::text[], $3::text[]) AS x(t, v) ON CONFLICT DO NOTHING`,
            [id, identifiers.map((i) => i.type), identifiers.map((i) => i.value)],
          )
          // Queued jobs not in flight on any node (a job in flight is dropped by its worker).
          const jobMatch = matching('coalesce(j.payload, e.event)', identifiers, 1)
          const picked = await query(
            `pb_reg_pick_jobs_${jobMatch.params.length}`,
            `SELECT j.id FROM patchbay.jobs j LEFT JOIN patchbay.events e ON e.seq = j.event_seq
             WHERE j.state <> 'in_flight' AND ${jobMatch.sql} FOR UPDATE OF j SKIP LOCKED`,
            jobMatch.params,
          )
          const jobIds = picked.rows.map((r) => r.id as number)
          if (jobIds.length > 0) await removeJobs(query, jobIds)
          const letterMatch = matching('payload', identifiers, 1)
          const letters = await query(
            `pb_reg_purge_letters_${letterMatch.params.length}`,
            `DELETE FROM patchbay.dead_letters WHERE ${letterMatch.sql}`,
            letterMatch.params,
          )
          await query(
            'pb_reg_purged',
            'UPDATE patchbay.regulations SET purged_jobs = $2, purged_dead_letters = $3 WHERE id = $1',
            [id, jobIds.length, letters.rowCount ?? 0],
          )
          if (type === 'suppress_with_delete') {
            const ids = [...deleteAt, ...cannotDelete]
            const statuses = [...deleteAt.map(() => 'pending'), ...cannotDelete.map(() => 'unsupported')]
            await query(
              'pb_reg_deletions_insert',
              `INSERT INTO patchbay.deletions (regulation_id, destination_id, status, next_at, created_at, updated_at)
               SELECT $1, d, s, $4, $4, $4 FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS x(d, s, n) ORDER BY n`,
              [id, ids, statuses, now],
            )
          }
          const { rows: reg } = await query(
            'pb_reg_get',
            'SELECT * FROM patchbay.regulations WHERE id = $1',
            [id],
          )
          return readOne(query, reg[0])
        },
        { durable: true },
      )
    },
    async list({ limit = 100, beforeId, includeRemoved = true } = {}) {
      return (await read(async (query) => {
        const { rows } = await query(
          'pb_reg_list',
          `SELECT * FROM patchbay.regulations WHERE id < $1 AND ($3 OR removed_at IS NULL) ORDER BY id DESC LIMIT $2`,
          [beforeId ?? Number.MAX_SAFE_INTEGER, limit, includeRemoved],
        )
        const out = []
        for (const row of rows) out.push(await readOne(query, row))
        return out
      })) as never
    },
    async get(id) {
      return (await read(async (query) => {
        const { rows } = await query('pb_reg_get', 'SELECT * FROM patchbay.regulations WHERE id = $1', [id])
        return rows[0] ? readOne(query, rows[0]) : undefined
      })) as never
    },
    remove(id, now) {
      return inTransaction(
        pool,
        async (query) => {
          const { rowCount } = await query(
            'pb_reg_remove',
            `UPDATE patchbay.regulations SET removed_at = $2, changed = nextval('patchbay.regulation_changes')
             WHERE id = $1 AND removed_at IS NULL`,
            [id, now],
          )
          if (rowCount === 0) return false
          await query(
            'pb_reg_unsuppress',
            'DELETE FROM patchbay.suppressed_identifiers WHERE regulation_id = $1',
            [id],
          )
          return true
        },
        { durable: true },
      )
    },
    async version() {
      const { rows } = await queryOnce(
        pool,
        'pb_reg_version',
        'SELECT coalesce(max(changed), 0)::bigint AS v FROM patchbay.regulations',
      )
      return rows[0].v as number
    },
    async suppressed() {
      return (await read(async (query) => {
        // One snapshot: the version and the identifiers agree.
        await query('pb_reg_snapshot', 'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ')
        const v = await query(
          'pb_reg_version',
          'SELECT coalesce(max(changed), 0)::bigint AS v FROM patchbay.regulations',
        )
        const { rows } = await query(
          'pb_reg_suppressed',
          'SELECT DISTINCT type, value FROM patchbay.suppressed_identifiers',
        )
        return { version: v.rows[0].v as number, identifiers: rows as RegulationIdentifier[] }
      })) as never
    },
    async claimDeletions({ limit, now, leaseMs }) {
      const { rows } = await queryOnce(
        pool,
        'pb_reg_claim',
        `WITH picked AS (
           SELECT id FROM patchbay.deletions
           WHERE status = 'pending' AND next_at <= $1 AND (lease_until IS NULL OR lease_until < $1)
           ORDER BY next_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
         ), leased AS (
           UPDATE patchbay.deletions d SET lease_until = $1 + $3 FROM picked WHERE d.id = picked.id RETURNING d.*
         )
         SELECT l.*, r.identifiers FROM leased l JOIN patchbay.regulations r ON r.id = l.regulation_id
         ORDER BY l.next_at, l.id`,
        [now, limit, leaseMs],
      )
      return rows.map((row) => ({
        id: Number(row.id),
        regulationId: Number(row.regulation_id),
        destinationId: row.destination_id as string,
        identifiers: JSON.parse(row.identifiers as string),
        attempts: Number(row.attempts),
        createdAt: Number(row.created_at),
      }))
    },
    async settleDeletion(id, settlement, now) {
      const [status, nextAt, reason] =
        settlement.status === 'done'
          ? ['done', null, null]
          : settlement.status === 'retry'
            ? ['pending', settlement.nextAt, settlement.error]
            : ['failed', null, settlement.reason]
      await queryOnce(
        pool,
        'pb_reg_settle',
        `UPDATE patchbay.deletions SET status = $2, attempts = attempts + 1, next_at = coalesce($3, next_at),
           lease_until = NULL, reason = $4, updated_at = $5
         WHERE id = $1 AND status = 'pending'`,
        [id, status, nextAt, reason, now],
      )
    },
    // Several nodes: a lease is given back only by expiring (another node may hold it).
    releaseDeletions: async () => 0,
  }
}
