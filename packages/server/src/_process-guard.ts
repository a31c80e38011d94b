import type { LogSink } from '@patchbay/core'

/** More unexpected errors than this within a minute is a broken process, not a bad request. */
export const MAX_UNCAUGHT_PER_MINUTE = 10

/**
 * The last resort behind the request error boundary: an exception or rejection that escapes
 * every handler is logged with its stack and counted, and the gateway keeps serving, rather
 * than one request taking the process down. Past MAX_UNCAUGHT_PER_MINUTE in a minute the
 * process is not healthy: the guard logs that, removes itself and lets the error end the
 * process (exit code 70), so a supervisor restarts it; the store loses nothing acknowledged.
 * Returns the function that removes the guard.
 */
export function guardProcess(options: { log: LogSink; counted: () => void }): () => void {
  const recent: number[] = []
  const onError = (error: unknown, kind: string) => {
    options.counted()
    const now = Date.now()
    recent.push(now)
    while (recent[0]! < now - 60_000) recent.shift()
    const stack = String((error as Error)?.stack ?? error).slice(0, 4_000)
    if (recent.length > MAX_UNCAUGHT_PER_MINUTE) {
      options.log({
        level: 'error',
        scope: 'gateway',
        message: `${recent.length} unexpected errors within a minute: the process is not healthy and stops (exit 70) for its supervisor to restart it; last: ${stack}`,
      })
      remove()
      process.exitCode = 70
      setImmediate(() => {
        throw error
      })
      return
    }
    options.log({
      level: 'error',
      scope: 'gateway',
      message: `an unexpected ${kind} escaped every handler; the gateway keeps running (this is a bug: please report it): ${stack}`,
    })
  }
  const onException = (error: Error) => onError(error, 'exception')
  const onRejection = (reason: unknown) => onError(reason, 'promise rejection')
  function remove() {
    process.off('uncaughtException', onException)
    process.off('unhandledRejection', onRejection)
  }
  process.on('uncaughtException', onException)
  process.on('unhandledRejection', onRejection)
  return remove
}
