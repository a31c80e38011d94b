import pg from 'pg'
import { classify, types } from './_pool.ts'

/** The advisory lock whose holder is the one node that turns pending events into jobs. */
const PROCESSOR_LOCK = 0x7062_0002

/** The processor's turn: whether this node holds it, and the connection that holds it. */
export interface ProcessorTurn {
  /** The connection holding the turn, taking the turn when it is free; undefined when another node has it. */
  hold(): Promise<pg.Client | undefined>
  /** Gives the turn up (its connection is dropped): after an error on it, and at close. */
  drop(): void
  close(): Promise<void>
}

/** Closes a client without waiting for the server: a stalled connection never answers a goodbye. */
function destroy(client: pg.Client): void {
  client.end().catch(() => {})
  ;(client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy()
}

/**
 * The processor's turn is a session advisory lock on a connection of its own: when its node
 * dies the connection closes and the lock passes to the next node that asks. A connection
 * can also stay open with nobody behind it, and the lock with it, so the turn is a lease too:
 *
 * - the server ends the session when it has been idle for `leaseMs` (`idle_session_timeout`),
 *   and the holder pings it every third of that: a node frozen (SIGSTOP, a paused VM) or cut
 *   off from the database (a half-open connection) loses the turn after `leaseMs`, as it
 *   loses its jobs, instead of holding every node's processing back for as long as it lasts;
 * - every query on it has a deadline (`query_timeout`), after which the connection is
 *   dropped: a node whose connection stalled takes the turn again on a new one, rather than
 *   waiting forever for an answer that will not come.
 *
 * A node that lost its turn while processing a batch cannot commit it after another node
 * processed the same events: `commit_processed` refuses events that are no longer pending.
 */
export function createProcessorTurn(url: string, leaseMs: number): ProcessorTurn {
  let lock: pg.Client | undefined
  let locking: Promise<pg.Client | undefined> | undefined
  let ping: NodeJS.Timeout | undefined
  let closed = false

  function drop(): void {
    clearInterval(ping)
    ping = undefined
    const client = lock
    lock = undefined
    if (client) destroy(client)
  }

  function hold(): Promise<pg.Client | undefined> {
    if (lock) return Promise.resolve(lock)
    if (closed) return Promise.resolve(undefined)
    locking ??= (async () => {
      const client = new pg.Client({
        connectionString: url,
        connectionTimeoutMillis: 5_000,
        query_timeout: Math.max(5_000, leaseMs),
        keepAlive: true,
        types,
        application_name: 'patchbay-gateway-processor',
        options: `-c idle_session_timeout=${Math.max(1_000, leaseMs)}`,
      })
      const lost = () => {
        if (lock === client) drop()
      }
      client.on('error', lost)
      client.on('end', lost)
      try {
        await client.connect()
        const { rows } = await client.query('SELECT pg_try_advisory_lock($1) AS held', [PROCESSOR_LOCK])
        if (rows[0].held && !closed) {
          lock = client
          ping = setInterval(
            () => void client.query('SELECT 1').catch(lost),
            Math.max(100, Math.floor(leaseMs / 3)),
          )
          ping.unref()
          return client
        }
      } catch (error) {
        destroy(client)
        throw classify(error)
      }
      destroy(client)
      return undefined
    })().finally(() => {
      locking = undefined
    })
    return locking
  }

  return {
    hold,
    drop,
    async close() {
      closed = true
      await locking?.catch(() => {})
      drop()
    },
  }
}
