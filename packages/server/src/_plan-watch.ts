import { type StatWatcher, unwatchFile, watchFile } from 'node:fs'
import type { LogSink } from '@patchbay/core'

/**
 * Watches the pipeline file and the plan files it names (stat polling every `intervalMs`:
 * it works on every file system, editors' rename-on-save included) and calls `reload` after
 * any of them changed. `reload` returns the plan files in force next, which are watched from
 * then on. Errors are logged and the plans in force stay.
 */
export function watchPlans(options: {
  pipelineFile: string
  planFiles: readonly string[]
  reload: () => readonly string[]
  log: LogSink
  intervalMs?: number
}): { close(): void } {
  const interval = options.intervalMs ?? 1000
  const watched = new Map<string, StatWatcher>()
  let closed = false
  const onChange = (file: string) => (current: { mtimeMs: number }, previous: { mtimeMs: number }) => {
    if (closed || current.mtimeMs === previous.mtimeMs) return
    try {
      watch(options.reload())
    } catch (error) {
      options.log({
        level: 'error',
        scope: 'gateway',
        message: `${file} changed, but the tracking plans were not reloaded; the plans in force stay: ${(error as Error).message}`,
      })
    }
  }
  const watch = (planFiles: readonly string[]) => {
    const wanted = new Set([options.pipelineFile, ...planFiles])
    for (const [file, watcher] of watched)
      if (!wanted.has(file)) {
        unwatchFile(file)
        watched.delete(file)
        void watcher
      }
    for (const file of wanted)
      if (!watched.has(file))
        watched.set(file, watchFile(file, { interval, persistent: false }, onChange(file)))
  }
  watch(options.planFiles)
  return {
    close() {
      closed = true
      for (const file of watched.keys()) unwatchFile(file)
      watched.clear()
    },
  }
}
