import { type DlqBackend, DlqRefused } from './_dlq-backend.ts'
import { openGatewayBackend } from './_dlq-gateway.ts'
import { openStoreBackend, resolveDataDir } from './_dlq-store.ts'
import { EXIT, UsageError } from './_exit.ts'
import { color, type Output } from './_output.ts'

/**
 * What the `dlq` commands act on: a running gateway's admin API (its URL; the admin token
 * from `token`, else PATCHBAY_ADMIN_TOKEN), or a stopped gateway's data directory.
 */
export type DlqTarget = { gateway: string; token?: string } | { dataDir: string }

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
  flags: { gateway?: string; dataDir?: string },
  env: NodeJS.ProcessEnv = process.env,
): DlqTarget {
  if (flags.gateway && flags.dataDir)
    throw new UsageError(
      '--gateway and --data-dir name two places: give --gateway for a running gateway, --data-dir for a stopped one',
    )
  if (flags.gateway) return { gateway: flags.gateway }
  if (flags.dataDir) return { dataDir: flags.dataDir }
  if (env.PATCHBAY_GATEWAY_URL) return { gateway: env.PATCHBAY_GATEWAY_URL }
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
