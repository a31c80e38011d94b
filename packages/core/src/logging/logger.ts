import type { PluginLogger } from '../plugin/manifest.ts'
import { scrubValue } from '../redaction/_scrub-value.ts'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

/** One log line as the runtime emits it. */
export interface LogRecord {
  level: LogLevel
  message: string
  /** Who logged: a step (`destinations.crm`) or `runtime`. */
  scope: string
  fields?: Record<string, unknown>
}

/** Where log records go. The CLI writes them to stderr; tests collect them. */
export type LogSink = (record: LogRecord) => void

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 }

/**
 * A logger for one scope. `scrub` is applied to the message and to every string in
 * `fields` (keys, nested values, errors and their causes included) before the sink sees
 * them, so plugin secrets never reach a log line.
 *
 * @example
 * const logger = createLogger({ scope: 'destinations.crm', sink: console.error, scrub: redactor.string })
 */
export function createLogger({
  scope,
  sink,
  level = 'info',
  scrub = (s) => s,
}: {
  scope: string
  sink: LogSink
  level?: LogLevel
  scrub?: (text: string) => string
}): PluginLogger {
  const emit = (lvl: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return
    const record: LogRecord = { level: lvl, scope, message: scrub(message) }
    if (fields) record.fields = scrubValue(fields, scrub)
    sink(record)
  }
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') }
}

/** A sink that drops everything. */
export const silentSink: LogSink = () => {}
