import fs from 'node:fs'
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { lockDataDir } from './_lock.ts'
import { migrate } from './_schema.ts'

/** How long a statement waits for a lock held by another connection (a backup tool, say). */
const BUSY_TIMEOUT_MS = 5000

/** Page cache in KiB (a negative cache_size): a queue of 100k jobs stays in it, which roughly halves claim times. */
const CACHE_KIB = 64 * 1024

/** SQLite result codes that mean the file is damaged or not a database at all. */
const DAMAGED = new Set([11 /* SQLITE_CORRUPT */, 26 /* SQLITE_NOTADB */])

/**
 * Why `dir` cannot be written, said plainly, when its nearest existing folder is on a
 * read-only filesystem (EROFS) or not writable by this process (EACCES). Node's recursive
 * mkdir reports both as `ENOENT mkdir`, which sends people looking for a missing folder.
 */
function unwritable(dir: string): string | undefined {
  let existing = path.resolve(dir)
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing)
  try {
    fs.accessSync(existing, fs.constants.W_OK)
    return undefined
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EROFS')
      return `${existing} is on a read-only filesystem (EROFS). Mount it read-write, or point --data-dir (PATCHBAY_DATA_DIR) at a writable directory.`
    if (code === 'EACCES' || code === 'EPERM')
      return `this process (uid ${process.getuid?.()}) may not write to ${existing} (${code}). Fix its permissions or owner, or point --data-dir (PATCHBAY_DATA_DIR) at a directory it can write to.`
    return undefined
  }
}

/**
 * Creates the data directory if missing, locks it for this process, then opens
 * `patchbay.db` in WAL mode (appends are fsynced by _wal-sync.ts before they resolve) and brings its
 * schema up to date. Every failure names the path involved.
 */
export function openDatabase(dir: string): { db: DatabaseSync; release: () => void } {
  let release: () => void
  try {
    fs.mkdirSync(dir, { recursive: true })
    release = lockDataDir(dir)
  } catch (error) {
    if (!(error as NodeJS.ErrnoException).code) throw error
    const why = unwritable(dir)
    throw new Error(
      why
        ? `Cannot use ${dir} as the Patchbay data directory: ${why}`
        : `Cannot use ${dir} as the Patchbay data directory: ${(error as Error).message}. It must be a directory this process can write to.`,
      { cause: error },
    )
  }
  const file = path.join(dir, 'patchbay.db')
  let db: DatabaseSync | undefined
  try {
    db = new DatabaseSync(file, { timeout: BUSY_TIMEOUT_MS })
    const { journal_mode } = db.prepare('PRAGMA journal_mode = WAL').get() as { journal_mode: string }
    if (journal_mode !== 'wal')
      throw new Error(
        `Cannot open the Patchbay database ${file}: SQLite cannot use WAL mode there (journal_mode stays ${journal_mode}). Put the data directory on a local filesystem.`,
      )
    db.exec(`PRAGMA synchronous = NORMAL; PRAGMA cache_size = -${CACHE_KIB}`)
    migrate(db, file)
    return { db, release }
  } catch (error) {
    db?.close()
    release()
    if ((error as NodeJS.ErrnoException).code !== 'ERR_SQLITE_ERROR') throw error
    const hint = DAMAGED.has((error as { errcode?: number }).errcode ?? 0)
      ? ' Move the damaged file away (keep it for recovery) and start again with an empty one, or restore a backup.'
      : ''
    throw new Error(`Cannot open the Patchbay database ${file}: ${(error as Error).message}.${hint}`, {
      cause: error,
    })
  }
}
