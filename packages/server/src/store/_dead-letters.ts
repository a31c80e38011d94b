import type { DatabaseSync } from 'node:sqlite'
import type { JobQueue, JobRecord } from './_jobs.ts'
import { DEAD_LETTER_COLUMNS, toDeadLetter } from './_rows.ts'
import type { StatsCounters } from './_stats.ts'
import type { Synchronous } from './_synchronous.ts'
import { inTransaction } from './_transaction.ts'
import type { DeadLetterSelector, DeadLetters } from './store.ts'

/** The dead_letters table: browsing, replaying into the job queue, purging. */
export function createDeadLetters(
  db: DatabaseSync,
  stats: StatsCounters,
  jobs: JobQueue,
): Synchronous<DeadLetters> {
  const page = 'id > $afterId ORDER BY id LIMIT $limit'
  const listAll = db.prepare(`SELECT ${DEAD_LETTER_COLUMNS} FROM dead_letters WHERE ${page}`)
  const listFor = db.prepare(
    `SELECT ${DEAD_LETTER_COLUMNS} FROM dead_letters WHERE destination_id = $destinationId AND ${page}`,
  )
  const getOne = db.prepare(`SELECT ${DEAD_LETTER_COLUMNS} FROM dead_letters WHERE id = ?`)
  const selected = `WHERE ($ids IS NULL OR id IN (SELECT value FROM json_each($ids)))
    AND ($destinationId IS NULL OR destination_id = $destinationId)`
  const take = db.prepare(`
    DELETE FROM dead_letters ${selected}
    RETURNING id, destination_id AS destinationId, order_key AS orderKey, message_id AS messageId, payload,
      step, source_id AS sourceId`)
  const pend = db.prepare(`
    INSERT INTO events (source_id, message_id, event, stored_at, destination_id)
    VALUES ($sourceId, $messageId, $payload, $now, $destinationId)`)
  const drop = db.prepare(`DELETE FROM dead_letters ${selected} RETURNING destination_id AS destinationId`)

  function bind(selector: DeadLetterSelector, method: string) {
    if (selector.ids === undefined && selector.destinationId === undefined)
      throw new Error(
        `deadLetters.${method} needs ids, a destinationId or both; to ${method} every dead letter, call it per destination`,
      )
    return {
      ids: selector.ids === undefined ? null : JSON.stringify(selector.ids),
      destinationId: selector.destinationId ?? null,
    }
  }

  return {
    list({ destinationId, limit = 100, afterId = 0 } = {}) {
      const rows =
        destinationId === undefined
          ? listAll.all({ afterId, limit })
          : listFor.all({ destinationId, afterId, limit })
      return rows.map(toDeadLetter)
    },
    get(id) {
      const row = getOne.get(id)
      return row && toDeadLetter(row)
    },
    count: (destinationId) => stats.deadLetters(destinationId),
    replay(selector, now) {
      const params = bind(selector, 'replay')
      const replayed = inTransaction(
        db,
        () => {
          const rows = take.all(params) as unknown as Array<
            JobRecord & { id: number; step: string; sourceId: string | null; payload: string }
          >
          rows.sort((a, b) => a.id - b.id)
          for (const { destinationId, orderKey, messageId, payload, step, sourceId } of rows) {
            // Failed before the transformations finished: it runs through them again.
            if (step === 'transformations' && sourceId !== null)
              pend.run({ sourceId, messageId, payload, now, destinationId })
            else jobs.insert([{ destinationId, orderKey, messageId, eventSeq: null, payload }], now)
          }
          return rows
        },
        { durable: true },
      )
      for (const { destinationId, step, sourceId } of replayed) {
        stats.addDeadLetters(destinationId, -1)
        if (step === 'transformations' && sourceId !== null) stats.addEvents(1)
        else stats.addJobs(destinationId, 'waiting', 1)
      }
      stats.invalidateOldest()
      return replayed.length
    },
    purge(selector) {
      const purged = drop.all(bind(selector, 'purge')) as Array<{ destinationId: string }>
      for (const { destinationId } of purged) stats.addDeadLetters(destinationId, -1)
      return purged.length
    },
  }
}
