import type pg from 'pg'
import { type FindPage, findInTables } from '../_find.ts'
import type { FindQuery, FindResult, StoredMatch, StoredState } from '../store.ts'
import { queryOnce } from './_pool.ts'

type Row = Record<string, unknown>

/**
 * The look-up's condition ($3: messageId, $4: user, either may be null). The user is read
 * from the event JSON (text) as jsonb, only for the rows of one chunk.
 */
const wanted = (messageId: string, event: string) => `(
  ($3::text IS NOT NULL AND ${messageId} = $3)
  OR ($4::text IS NOT NULL AND (${event})::jsonb ->> 'userId' = $4)
  OR ($4::text IS NOT NULL AND (${event})::jsonb ->> 'anonymousId' = $4)
)`

function match(row: Row, state: StoredState): StoredMatch {
  return {
    state,
    id: row.id as number,
    messageId: row.messageId as string,
    ...(row.destinationId != null ? { destinationId: row.destinationId as string } : {}),
    ...(row.sourceId != null ? { sourceId: row.sourceId as string } : {}),
    attempts: row.attempts as number,
    ...(row.nextAt != null ? { nextAt: row.nextAt as number } : {}),
    ...(row.error != null ? { error: row.error as string } : {}),
    at: row.at as number,
    event: JSON.parse(row.event as string),
  }
}

/**
 * The PostgreSQL store's look-up (see `Store.find`): the same tables and bounds as the
 * SQLite one; each chunk is one statement whose CTE takes the chunk's keys newest first
 * ($1: before, $2: chunk size) and answers its lowest key with the matches.
 */
export function createLookup(pool: pg.Pool): (query: FindQuery) => Promise<FindResult> {
  const table =
    (name: string, chunkSql: string, matchSql: string, state: (row: Row) => StoredState): FindPage =>
    async (before, chunk, { messageId, user }) => {
      const { rows } = await queryOnce(
        pool,
        name,
        `WITH chunk AS (${chunkSql}),
              bound AS (SELECT min(k) AS low FROM chunk)
         SELECT (SELECT low FROM bound) AS low, m.* FROM (${matchSql}) m
         RIGHT JOIN bound ON true`,
        [before, chunk, messageId, user],
      )
      const low = (rows[0]?.low as number | null | undefined) ?? null
      return { low, matches: rows.filter((r) => r.id != null).map((r) => match(r, state(r))) }
    }
  const tables = [
    table(
      'pb_find_pending',
      'SELECT seq AS k FROM patchbay.events WHERE NOT processed AND seq < $1 ORDER BY seq DESC LIMIT $2',
      `SELECT seq AS id, message_id AS "messageId", destination_id AS "destinationId", source_id AS "sourceId",
         transform_attempts AS attempts, NULL::bigint AS "nextAt", NULL::text AS error, stored_at AS at, event
       FROM patchbay.events
       WHERE NOT processed AND seq >= (SELECT low FROM bound) AND seq < $1 AND ${wanted('message_id', 'event')}
       ORDER BY seq DESC`,
      () => 'pending',
    ),
    table(
      'pb_find_jobs',
      'SELECT id AS k FROM patchbay.jobs WHERE id < $1 ORDER BY id DESC LIMIT $2',
      `SELECT j.id, j.message_id AS "messageId", j.destination_id AS "destinationId", e.source_id AS "sourceId",
         j.attempts, j.next_at AS "nextAt", j.last_error AS error, j.created_at AS at,
         coalesce(j.payload, e.event) AS event, j.state
       FROM patchbay.jobs j LEFT JOIN patchbay.events e ON e.seq = j.event_seq
       WHERE j.id >= (SELECT low FROM bound) AND j.id < $1
         AND ${wanted('j.message_id', 'coalesce(j.payload, e.event)')}
       ORDER BY j.id DESC`,
      (r) => r.state as StoredState,
    ),
    table(
      'pb_find_letters',
      'SELECT id AS k FROM patchbay.dead_letters WHERE id < $1 ORDER BY id DESC LIMIT $2',
      `SELECT id, message_id AS "messageId", destination_id AS "destinationId", source_id AS "sourceId",
         attempts, NULL::bigint AS "nextAt", reason AS error, aborted_at AS at, payload AS event
       FROM patchbay.dead_letters
       WHERE id >= (SELECT low FROM bound) AND id < $1 AND ${wanted('message_id', 'payload')}
       ORDER BY id DESC`,
      () => 'dead_letter',
    ),
  ]
  return (query) => {
    // PostgreSQL text never holds NUL (and refuses it as a parameter): such a value matches nothing.
    const usable = (value: string | undefined) => (value?.includes('\u0000') ? undefined : value)
    const messageId = usable(query.messageId)
    const user = usable(query.user)
    if ((query.messageId || query.user) && !messageId && !user)
      return Promise.resolve({ matches: [], complete: true })
    return findInTables(tables, { ...query, messageId, user })
  }
}
