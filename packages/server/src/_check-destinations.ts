import { ConfigurationError, type LogSink, type Pipeline } from '@patchbay/core'

/**
 * Runs every destination's `check` hook (Segment's testAuthentication, Airbyte's check) so a
 * wrong URL or credential shows at start rather than at the first event. `warn` does not wait
 * for the checks and logs each failure; `fail` waits and refuses to start on any failure.
 * Messages come redacted from core's `checkConnection`.
 */
export async function checkDestinations(
  pipeline: Pick<Pipeline, 'check'>,
  mode: 'warn' | 'fail' | 'off',
  log: LogSink,
): Promise<void> {
  if (mode === 'off') return
  const describe = (r: { destination: string; message: string; hint?: string }) =>
    `destination ${r.destination}: the connection check failed: ${r.message}${r.hint ? ` (${r.hint})` : ''}`
  const run = pipeline.check().then((results) => results.filter((r) => r.status === 'failed'))
  if (mode === 'warn') {
    void run.then(
      (failed) => {
        for (const r of failed) log({ level: 'warn', scope: 'gateway', message: describe(r) })
      },
      (error: Error) =>
        log({
          level: 'warn',
          scope: 'gateway',
          message: `the connection checks could not run: ${error.message}`,
        }),
    )
    return
  }
  const failed = await run
  if (failed.length > 0)
    throw new ConfigurationError(failed.map(describe).join('; '), {
      code: 'PB_CHECK_FAILED',
      hint: 'Fix the destination config, or start with checkOnStart: warn (events queue until it works).',
    })
}
