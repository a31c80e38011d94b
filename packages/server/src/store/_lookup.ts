import type { DatabaseSync, SQLOutputValue } from 'node:sqlite'
import { type FindPage, findInTables } from './_find.ts'
import type { FindQuery, FindResult, StoredMatch, StoredState } from './store.ts'

type Row = Record<string, SQLOutputValue>

/** The look-up's condition on a row's message id and event JSON ($messageId, $user may be null). */
const wanted = (messageId: string, event: string) => `(
  ($messageId IS NOT NULL AND ${messageId} = $messageId)
  OR ($user IS NOT NULL AND (json_extract(${event}, '$.userId') = $user OR json_extract(${event}, '$.anonymousId') = $user))
)`

/** A match without the fields a row left null. */
function match(row: Row, state: StoredState, event: string): StoredMatch {
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
    event: JSON.parse(event),
  }
}

/**
 * The SQLite store's look-up (see `Store.find`): pending events through their partial
 * index, jobs with the stored event they reference, dead letters; newest first, a chunk
 * per statement.
 */
export function createLookup(db: DatabaseSync): (query: FindQuery) => Promise<FindResult> {
  const pendingLow = db.prepare(
    'SELECT min(seq) AS low FROM (SELECT seq FROM events INDEXED BY events_pending WHERE processed = 0 AND seq < ? ORDER BY seq DESC LIMIT ?)',
  )
  const pendingMatches = db.prepare(`
    SELECT seq AS id, message_id AS messageId, destination_id AS destinationId, source_id AS sourceId,
      transform_attempts AS attempts, stored_at AS at, event
    FROM events INDEXED BY events_pending
    WHERE processed = 0 AND seq >= $low AND seq < $before AND ${wanted('message_id', 'event')}
    ORDER BY seq DESC`)
  const jobsLow = db.prepare(
    'SELECT min(id) AS low FROM (SELECT id FROM jobs WHERE id < ? ORDER BY id DESC LIMIT ?)',
  )
  const jobMatches = db.prepare(`
    SELECT j.id, j.message_id AS messageId, j.destination_id AS destinationId, e.source_id AS sourceId,
      j.state, j.attempts, j.next_at AS nextAt, j.last_error AS error, j.created_at AS at,
      coalesce(j.payload, e.event) AS event
    FROM jobs j LEFT JOIN events e ON e.seq = j.event_seq
    WHERE j.id >= $low AND j.id < $before AND ${wanted('j.message_id', 'coalesce(j.payload, e.event)')}
    ORDER BY j.id DESC`)
  const lettersLow = db.prepare(
    'SELECT min(id) AS low FROM (SELECT id FROM dead_letters WHERE id < ? ORDER BY id DESC LIMIT ?)',
  )
  const letterMatches = db.prepare(`
    SELECT id, message_id AS messageId, destination_id AS destinationId, source_id AS sourceId,
      attempts, reason AS error, aborted_at AS at, payload AS event
    FROM dead_letters
    WHERE id >= $low AND id < $before AND ${wanted('message_id', 'payload')}
    ORDER BY id DESC`)

  const table =
    (
      low: ReturnType<DatabaseSync['prepare']>,
      rows: ReturnType<DatabaseSync['prepare']>,
      state: (row: Row) => StoredState,
    ): FindPage =>
    (before, chunk, { messageId, user }) => {
      const bound = (low.get(before, chunk) as { low: number | null } | undefined)?.low ?? null
      if (bound === null) return { low: null, matches: [] }
      const found = rows.all({ low: bound, before, messageId, user }) as Row[]
      return { low: bound, matches: found.map((r) => match(r, state(r), r.event as string)) }
    }

  const tables = [
    table(pendingLow, pendingMatches, () => 'pending'),
    table(jobsLow, jobMatches, (r) => r.state as StoredState),
    table(lettersLow, letterMatches, () => 'dead_letter'),
  ]
  return (query) => findInTables(tables, query)
}
