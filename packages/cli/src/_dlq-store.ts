import fs from 'node:fs'
import path from 'node:path'
import { openPostgresStore, openSqliteStore, redactStoreUrl, type Store } from '@patchbay/server'
import { type DlqBackend, DlqRefused } from './_dlq-backend.ts'

/** The data directory when neither `--data-dir` nor `PATCHBAY_DATA_DIR` names one. */
export const DEFAULT_DATA_DIR = './patchbay-data'

/**
 * `--data-dir`, else `PATCHBAY_DATA_DIR`, else `./patchbay-data`.
 *
 * @example
 * resolveDataDir(args['data-dir']) // './patchbay-data' when neither is set
 */
export function resolveDataDir(flag: string | undefined, env = process.env): string {
  return flag || env.PATCHBAY_DATA_DIR || DEFAULT_DATA_DIR
}

/**
 * The gateway's data directory must exist and hold `patchbay.db`: the store creates both
 * when missing, and a mistyped path must not leave an empty gateway directory behind.
 */
function checkDataDir(dir: string): void {
  const stat = fs.statSync(dir, { throwIfNoEntry: false })
  const where = "Pass the gateway's data directory with --data-dir or PATCHBAY_DATA_DIR."
  if (!stat) throw new DlqRefused(`No data directory at ${dir} (nothing was created). ${where}`)
  if (!stat.isDirectory()) throw new DlqRefused(`${dir} is not a directory. ${where}`)
  if (!fs.existsSync(path.join(dir, 'patchbay.db')))
    throw new DlqRefused(`${dir} holds no Patchbay database (patchbay.db). ${where}`)
}

/** The store's own open errors that describe the directory rather than a bug. */
const KNOWN_OPEN_ERROR = /^(Cannot use |Cannot open |The data directory )/
const HELD_BY = /is in use by process (\d+)/

function openStore(dir: string): Store {
  checkDataDir(dir)
  try {
    return openSqliteStore({ dir })
  } catch (error) {
    const message = (error as Error).message ?? ''
    const pid = HELD_BY.exec(message)?.[1]
    if (pid)
      throw new DlqRefused(
        `Process ${pid} (a running gateway?) holds ${dir}, and the store allows one process per data directory. While the gateway runs, go through it instead: add --gateway URL (or set PATCHBAY_GATEWAY_URL), with PATCHBAY_ADMIN_TOKEN set to its admin token.`,
      )
    if (KNOWN_OPEN_ERROR.test(message)) throw new DlqRefused(message)
    throw error
  }
}

/**
 * The dead letters of a stopped gateway, from its data directory: the store opened directly
 * (its calls are synchronous; the backend wraps them). Throws DlqRefused when the directory
 * is missing, is not a gateway's, or is held by a running gateway.
 *
 * @example
 * const backend = openStoreBackend('./patchbay-data')
 * try { console.log(await backend.counts()) } finally { await backend.close() }
 */
export function openStoreBackend(dir: string): DlqBackend {
  return backendOf(openStore(dir), dir, false)
}

function backendOf(store: Store, where: string, live: boolean): DlqBackend {
  return {
    where,
    live,
    list: (options) => store.deadLetters.list(options),
    get: (id) => store.deadLetters.get(id),
    counts: async () => (await store.stats()).deadLetters,
    replay: (selector, now) => store.deadLetters.replay(selector, now),
    purge: (selector) => store.deadLetters.purge(selector),
    close: () => store.close(),
  }
}

/**
 * The dead letters of a PostgreSQL queue, shared by every gateway node on it: replayed jobs
 * are delivered by whichever node runs. Throws DlqRefused, the password left out, when the
 * database cannot be opened.
 *
 * @example
 * const backend = await openPostgresBackend('postgres://patchbay@db/patchbay')
 */
export async function openPostgresBackend(url: string): Promise<DlqBackend> {
  let store: Store
  try {
    store = await openPostgresStore({ url, statsMaxAgeMs: 0, poolSize: 2 })
  } catch (error) {
    // The store's message names the URL without its password.
    throw new DlqRefused(`${(error as Error).message}. Check --store (or PATCHBAY_STORE_URL).`)
  }
  return backendOf(store, redactStoreUrl(url), true)
}
