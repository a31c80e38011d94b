import type pg from 'pg'
import type { DeadLetterSelector, DeadLetters } from '../store.ts'
import { insertJobs } from './_events.ts'
import { inTransaction, queryOnce } from './_pool.ts'
import { DEAD_LETTER_COLUMNS, toDeadLetter } from './_rows.ts'

const SELECTED = `($1::bigint[] IS NULL OR id = ANY($1::bigint[])) AND ($2::text IS NULL OR destination_id = $2)`

function bind(selector: DeadLetterSelector, method: string): [number[] | null, string | null] {
  if (selector.ids === undefined && selector.destinationId === undefined)
    throw new Error(
      `deadLetters.${method} needs ids, a destinationId or both; to ${method} every dead letter, call it per destination`,
    )
  return [selector.ids ?? null, selector.destinationId ?? null]
}

/** The dead_letters table, from any node: browsing, replaying into the queue, purging. */
export function createDeadLetters(pool: pg.Pool, count: DeadLetters['count']): DeadLetters {
  return {
    async list({ destinationId, limit = 100, afterId = 0 } = {}) {
      const { rows } = await queryOnce(
        pool,
        'pb_letters_list',
        `SELECT ${DEAD_LETTER_COLUMNS} FROM patchbay.dead_letters
         WHERE ($1::text IS NULL OR destination_id = $1) AND id > $2 ORDER BY id LIMIT $3`,
        [destinationId ?? null, afterId, limit],
      )
      return rows.map(toDeadLetter)
    },
    async get(id) {
      const { rows } = await queryOnce(
        pool,
        'pb_letters_get',
        `SELECT ${DEAD_LETTER_COLUMNS} FROM patchbay.dead_letters WHERE id = $1`,
        [id],
      )
      return rows[0] && toDeadLetter(rows[0])
    },
    count,
    async replay(selector, now) {
      const params = bind(selector, 'replay')
      return inTransaction(
        pool,
        async (query) => {
          const { rows } = await query(
            'pb_letters_take',
            `DELETE FROM patchbay.dead_letters WHERE ${SELECTED}
             RETURNING id, destination_id, order_key, message_id, payload, step, source_id`,
            params,
          )
          rows.sort((a, b) => a.id - b.id)
          const jobs = []
          for (const row of rows) {
            // Failed before the transformations finished: it runs through them again.
            if (row.step === 'transformations' && row.source_id !== null)
              await query(
                'pb_letters_pend',
                `INSERT INTO patchbay.events (source_id, message_id, event, stored_at, destination_id)
                 VALUES ($1, $2, $3, $4, $5)`,
                [row.source_id, row.message_id, row.payload, now, row.destination_id],
              )
            else
              jobs.push({
                destinationId: row.destination_id as string,
                orderKey: row.order_key as string | null,
                messageId: row.message_id as string,
                eventSeq: null,
                payload: row.payload as string,
              })
          }
          await insertJobs(query, jobs, now)
          return rows.length
        },
        { durable: true },
      )
    },
    async purge(selector) {
      const { rowCount } = await queryOnce(
        pool,
        'pb_letters_purge',
        `DELETE FROM patchbay.dead_letters WHERE ${SELECTED}`,
        bind(selector, 'purge'),
      )
      return rowCount ?? 0
    },
  }
}
