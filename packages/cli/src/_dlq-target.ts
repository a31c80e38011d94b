import { type DlqBackend, DlqRefused } from './_dlq-backend.ts'
import { openGatewayBackend } from './_dlq-gateway.ts'
import { openPostgresBackend, openStoreBackend, resolveDataDir } from './_dlq-store.ts'
import { EXIT, UsageError } from './_exit.ts'
import { color, type Output } from './_output.ts'

/**
 * What the `dlq` commands act on: a running gateway's admin API (its URL; the admin token
 * from `token`, else PATCHBAY_ADMIN_TOKEN), or a stopped gateway's data directory.
 */
export type DlqTarget = { gateway: string; token?: string } | { dataDir: string } | { store: string }

/**
 * The target the flags and the environment name. Flags come first: `--gateway`, else
 * `--data-dir`; then PATCHBAY_GATEWAY_URL, else PATCHBAY_DATA_DIR, else `./patchbay-data`.
 * Both flags at once is a usage error.
 *
 * @example
 * resolveTarget({ gateway: 'http://127.0.0.1:8080' }) // { gateway: 'http://127.0.0.1:8080' }
 * resolveTarget({}, {}) // { dataDir: './patchbay-data' }
 */
export function resolveTarget(
  flags: { gateway?: string; dataDir?: string; store?: string },
  env: NodeJS.ProcessEnv = process.env,
): DlqTarget {
  const given = [
    flags.gateway && '--gateway',
    flags.dataDir && '--data-dir',
    flags.store && '--store',
  ].filter(Boolean)
  if (given.length > 1)
    throw new UsageError(
      `${given.join(' and ')} name different places: give --gateway for a running gateway, --data-dir for a stopped one's SQLite queue, or --store for a PostgreSQL queue`,
    )
  if (flags.gateway) return { gateway: flags.gateway }
  if (flags.dataDir) return { dataDir: flags.dataDir }
  if (flags.store) return { store: flags.store }
  if (env.PATCHBAY_GATEWAY_URL) return { gateway: env.PATCHBAY_GATEWAY_URL }
  if (env.PATCHBAY_STORE_URL) return { store: env.PATCHBAY_STORE_URL }
  return { dataDir: resolveDataDir(undefined, env) }
}

/**
 * Opens the backend of `target`, runs `use` and always closes it. When the data directory or
 * the gateway cannot be used (missing, not a gateway's, held by a running gateway;
 * unreachable, wrong or missing token, admin API off), prints why and returns exit code 2,
 * also when that shows only partway through `use`.
 *
 * @example
 * process.exitCode = await withBackend({ dataDir: './patchbay-data' }, processOutput, async (dlq) => {
 *   output.out(JSON.stringify(await dlq.counts()))
 *   return EXIT.ok
 * })
 */
export async function withBackend(
  target: DlqTarget,
  output: Output,
  use: (backend: DlqBackend) => Promise<number>,
): Promise<number> {
  try {
    const backend =
      'gateway' in target
        ? openGatewayBackend(target.gateway, target.token ?? process.env.PATCHBAY_ADMIN_TOKEN)
        : 'store' in target
          ? await openPostgresBackend(target.store)
          : openStoreBackend(target.dataDir)
    try {
      return await use(backend)
    } finally {
      await backend.close()
    }
  } catch (error) {
    if (!(error instanceof DlqRefused)) throw error
    output.err(`${color.red('error')} ${error.message}`)
    return EXIT.usage
  }
}
