import fs from 'node:fs'
import path from 'node:path'
import { openSqliteStore, type Store } from '@patchbay/server'
import { EXIT } from './_exit.ts'
import { color, type Output } from './_output.ts'

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

/** Why the store of a data directory cannot be opened, said for an operator; exit code 2. */
class DataDirRefused extends Error {
  override name = 'DataDirRefused'
}

/**
 * The gateway's data directory must exist and hold `patchbay.db`: the store creates both
 * when missing, and a mistyped path must not leave an empty gateway directory behind.
 */
function checkDataDir(dir: string): void {
  const stat = fs.statSync(dir, { throwIfNoEntry: false })
  const where = "Pass the gateway's data directory with --data-dir or PATCHBAY_DATA_DIR."
  if (!stat) throw new DataDirRefused(`No data directory at ${dir} (nothing was created). ${where}`)
  if (!stat.isDirectory()) throw new DataDirRefused(`${dir} is not a directory. ${where}`)
  if (!fs.existsSync(path.join(dir, 'patchbay.db')))
    throw new DataDirRefused(`${dir} holds no Patchbay database (patchbay.db). ${where}`)
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
      throw new DataDirRefused(
        `Process ${pid} (a running gateway?) holds ${dir}; stop it first. The store allows one process per data directory, so the dlq commands only work while the gateway is stopped.`,
      )
    if (KNOWN_OPEN_ERROR.test(message)) throw new DataDirRefused(message)
    throw error
  }
}

/**
 * Opens the store of a data directory, runs `use` and always closes the store. When the
 * directory is missing, is not a gateway's, or is held by a running gateway, prints why
 * and returns exit code 2 without running `use`.
 *
 * @example
 * process.exitCode = await withStore('./patchbay-data', processOutput, (store) => {
 *   output.out(String(store.deadLetters.count()))
 *   return EXIT.ok
 * })
 */
export async function withStore(
  dir: string,
  output: Output,
  use: (store: Store) => number | Promise<number>,
): Promise<number> {
  let store: Store
  try {
    store = openStore(dir)
  } catch (error) {
    if (!(error instanceof DataDirRefused)) throw error
    output.err(`${color.red('error')} ${error.message}`)
    return EXIT.usage
  }
  try {
    return await use(store)
  } finally {
    await store.close()
  }
}
