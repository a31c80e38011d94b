import type { DatabaseSync } from 'node:sqlite'

/**
 * Runs `fn` in one transaction: committed when it returns, rolled back when it throws.
 *
 * The connection runs with synchronous=NORMAL: in WAL mode a commit survives a crash of the
 * process (kill -9), but the last ones may roll back after a power loss. That is right for
 * bookkeeping (claims, completions, retries), where a lost commit only means a job is tried
 * again. `durable` commits with synchronous=FULL, fsyncing the WAL (and every commit before
 * it) before returning: for what the gateway acknowledges to a client.
 */
export function inTransaction<T>(db: DatabaseSync, fn: () => T, { durable = false } = {}): T {
  if (durable) db.exec('PRAGMA synchronous = FULL')
  try {
    db.exec('BEGIN')
    try {
      const result = fn()
      db.exec('COMMIT')
      return result
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK')
      throw error
    }
  } finally {
    if (durable) db.exec('PRAGMA synchronous = NORMAL')
  }
}
