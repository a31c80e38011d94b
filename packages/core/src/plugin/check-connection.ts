import { compileConfig } from '../config/compile-config.ts'
import { isPatchbayError } from '../errors/patchbay-error.ts'
import { createLogger, type LogSink, silentSink } from '../logging/logger.ts'
import { createRedactor } from '../redaction/redact.ts'
import type { AnyPlugin } from '../registry/plugin-registry.ts'
import { runtimeServices } from './manifest.ts'

/** What `checkConnection` found. Messages never contain the config's secret values. */
export type ConnectionCheck =
  | { status: 'ok'; plugin: string }
  | { status: 'unsupported'; plugin: string; message: string }
  | { status: 'failed'; plugin: string; code: string; message: string; hint?: string }

/**
 * Runs a plugin's `check` hook with a config (validated and defaulted first), and reports
 * the result with every secret value of the config redacted: the error a check throws
 * often carries the request it made. An invalid config fails without calling the hook.
 *
 * @example
 * const result = await checkConnection(plugin, { url: 'https://crm.example', token: process.env.CRM_TOKEN })
 * if (result.status === 'failed') console.error(result.message)
 */
export async function checkConnection(
  plugin: AnyPlugin,
  rawConfig: unknown,
  options: { logSink?: LogSink } = {},
): Promise<ConnectionCheck> {
  const id = `${plugin.name}@${plugin.version}`
  const compiled = compileConfig(plugin.config)
  let config: unknown
  try {
    config = compiled.parse(rawConfig, { plugin: id })
  } catch (error) {
    return failed(id, error, (s) => s)
  }
  const redactor = createRedactor(compiled.secrets(config))
  if (!plugin.check)
    return {
      status: 'unsupported',
      plugin: id,
      message: `${id} has no check hook: nothing to test before the first event`,
    }
  try {
    await plugin.check({
      ...runtimeServices,
      config,
      plugin: id,
      logger: createLogger({
        scope: `${plugin.name} check`,
        sink: options.logSink ?? silentSink,
        scrub: redactor.string,
      }),
    } as never)
    return { status: 'ok', plugin: id }
  } catch (error) {
    return failed(id, error, redactor.string)
  }
}

function failed(plugin: string, error: unknown, redact: (s: string) => string): ConnectionCheck {
  const message = redact(error instanceof Error ? error.message : String(error))
  return isPatchbayError(error)
    ? { status: 'failed', plugin, code: error.code, message, hint: redact(error.hint) }
    : { status: 'failed', plugin, code: 'PB_CHECK_FAILED', message }
}
