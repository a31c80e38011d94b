import './error-codes.ts'
import {
  checkStreamsMapped,
  createSyncBatcher,
  exactIntegers,
  mapRecord,
  PatchbayError,
  type PluginLogger,
  parseJson,
  type StreamMappings,
  type SyncBatch,
} from '@patchbay/core'
import type { CatalogStream } from './_catalog.ts'
import { type AirbyteStateDocument, mergeState, streamKey } from './_state.ts'

export interface ReadAirbyteOptions {
  streams: StreamMappings
  /** The configured catalog's streams (record checks, primary keys); absent: records pass unchecked. */
  catalog?: Map<string, CatalogStream>
  batchSize: number
  /** The state this sync started from, merged with the STATE messages it reads. */
  state?: AirbyteStateDocument
  /** Names the output in errors: `source-crm stdout`, `stdin`. */
  file: string
  logger?: PluginLogger
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

const LOG_LEVELS: Record<string, 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'debug',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
  FATAL: 'error',
}

/**
 * Turns an Airbyte source's output lines into batches of events and states. Each STATE
 * (STREAM, GLOBAL or LEGACY) is merged into one document, which is the checkpoint. LOG goes
 * to the logger at its level; a TRACE error is logged, the batch before it is yielded, and
 * the sync ends with PB_AIRBYTE_TRACE_ERROR; other TRACEs are logged at debug.
 * Stops at the first bad line with its number, dropping the batch in progress and its state.
 */
export async function* readAirbyte(
  lines: AsyncIterable<string>,
  options: ReadAirbyteOptions,
): AsyncGenerator<SyncBatch, void, undefined> {
  const batcher = createSyncBatcher(options.batchSize)
  let state: AirbyteStateDocument = options.state ?? { streams: {} }
  const at = { file: options.file, line: 0 }
  const invalid = (message: string) =>
    new PatchbayError('PB_AIRBYTE_MESSAGE_INVALID', `${at.file}:${at.line}: ${message}`, {
      file: at.file,
      line: at.line,
    })
  const mapped = new Set<string>()
  for await (const text of lines) {
    at.line++
    if (text.trim() === '') continue
    let message: unknown
    try {
      message = parseJson(text, { what: 'the line' })
    } catch (error) {
      const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text
      throw invalid(`not a JSON message (${(error as Error).message}): ${JSON.stringify(shown)}`)
    }
    if (!isObject(message)) throw invalid('an Airbyte message is a JSON object')
    switch (message.type) {
      case 'RECORD': {
        const record = message.record
        if (!isObject(record) || typeof record.stream !== 'string' || !isObject(record.data))
          throw invalid('a RECORD message needs "record.stream" and a "record.data" object')
        const stream = streamKey({ name: record.stream, namespace: record.namespace })
        if (!mapped.has(stream)) {
          checkStreamsMapped([stream], options.streams, { file: `${at.file}:${at.line}` })
          if (options.catalog && !options.catalog.has(stream))
            throw invalid(`a RECORD of stream "${stream}", which the configured catalog does not have`)
          mapped.add(stream)
        }
        const entry = options.catalog?.get(stream)
        if (entry?.check && !entry.check.check(record.data)) {
          const { field, message: what } = entry.check.violation(record.data)
          throw new PatchbayError(
            'PB_AIRBYTE_SCHEMA_VIOLATION',
            `${at.file}:${at.line}: the RECORD of stream "${stream}" does not match its json_schema: ${field} ${what}`,
            { file: at.file, line: at.line, field },
          )
        }
        batcher.add(
          mapRecord(
            options.streams[stream]!,
            record.data,
            { ...at, stream, ...(entry ? { key: entry.key } : {}) },
            'airbyte',
            (exactIntegers(text) as { record?: { data?: Record<string, unknown> } } | undefined)?.record
              ?.data,
          ),
          at.line,
        )
        if (batcher.full()) yield batcher.take()
        break
      }
      case 'STATE': {
        const merged = mergeState(state, message.state)
        if (typeof merged === 'string') throw invalid(merged)
        state = merged
        batcher.checkpoint(state)
        if (batcher.full()) yield batcher.take()
        break
      }
      case 'LOG': {
        const log = isObject(message.log) ? message.log : {}
        const level = LOG_LEVELS[String(log.level)] ?? 'info'
        options.logger?.[level](`${at.file}:${at.line}: ${String(log.message ?? '')}`)
        break
      }
      case 'TRACE': {
        const trace = isObject(message.trace) ? message.trace : {}
        if (trace.type === 'ERROR') {
          const error = isObject(trace.error) ? trace.error : {}
          const text = `${at.file}:${at.line}: the source reported an error: ${String(error.message ?? 'no message')}${error.failure_type ? ` (${String(error.failure_type)})` : ''}`
          options.logger?.error(
            `${text}${error.internal_message ? `; ${String(error.internal_message)}` : ''}`,
          )
          // What came before the error is good: deliver and checkpoint it, then stop.
          if (batcher.pending()) yield batcher.take()
          throw new PatchbayError('PB_AIRBYTE_TRACE_ERROR', text, {
            file: at.file,
            line: at.line,
            details: { failureType: error.failure_type },
          })
        } else options.logger?.debug(`${at.file}:${at.line}: TRACE ${String(trace.type)}`)
        break
      }
      case 'SPEC':
      case 'CATALOG':
      case 'CONNECTION_STATUS':
        options.logger?.debug(`${at.file}:${at.line}: ${message.type} message (not used by read)`)
        break
      case 'CONTROL':
        // A CONNECTOR_CONFIG update (refreshed credentials): the next run would need it.
        options.logger?.warn(
          `${at.file}:${at.line}: a CONTROL message (a connector config update) is not saved: if the source refreshed its credentials, put the new config in sourceConfig before the next run`,
        )
        break
      default:
        throw invalid(
          `unknown message type ${JSON.stringify(message.type)} (Airbyte has RECORD, STATE, LOG, TRACE, SPEC, CATALOG, CONNECTION_STATUS, CONTROL)`,
        )
    }
  }
  if (batcher.pending()) yield batcher.take()
}
