import './error-codes.ts'
import {
  checkStreamsMapped,
  createSyncBatcher,
  exactIntegers,
  lineBatchesOf,
  mapRecord,
  PatchbayError,
  type PluginLogger,
  type RecordCheck,
  type RecordOrigin,
  type StreamMapping,
  type StreamMappings,
  type SyncBatch,
} from '@patchbay/core'
import { invalid, parseSingerLine } from './_messages.ts'
import { recordCheckCache } from './_record-check.ts'

interface Stream {
  mapping: StreamMapping
  check: RecordCheck | undefined
  /** Handed to mapRecord with each record's line: mapRecord keeps none of it. */
  origin: RecordOrigin
}

export interface ReadSingerOptions {
  streams: StreamMappings
  validateRecords: boolean
  batchSize: number
  /** Names the output in errors and lines: `tap-crm stdout`, `stdin`. */
  file: string
  connector: string
  logger?: PluginLogger
}

/**
 * Turns a tap's output lines into batches of events and states (Singer's STATE is the whole
 * state: the latest one is the checkpoint). Stops at the first bad line with its number:
 * not JSON, an unknown message, a RECORD before its SCHEMA, a stream without a mapping, a
 * record that fails its SCHEMA. What was read before that line is in earlier batches; the
 * batch in progress is dropped with its state, so nothing is checkpointed past the failure.
 */
export async function* readSinger(
  lines: AsyncIterable<string>,
  options: ReadSingerOptions,
): AsyncGenerator<SyncBatch, void, undefined> {
  const streams = new Map<string, Stream>()
  const compile = recordCheckCache()
  const batcher = createSyncBatcher(options.batchSize)
  const at = { file: options.file, line: 0 }
  // One line, synchronously: the batcher is full afterwards when a batch is to be yielded.
  const read = (text: string): void => {
    at.line++
    // A line starting with `{` (every message) is never blank: trim only the others.
    if (text.charCodeAt(0) !== 0x7b /* { */ && text.trim() === '') return
    const message = parseSingerLine(text, at)
    switch (message.type) {
      case 'SCHEMA': {
        checkStreamsMapped([message.stream], options.streams, { file: `${at.file}:${at.line}` })
        let check: RecordCheck | undefined
        if (options.validateRecords) {
          try {
            check = compile(message.stream, message.schema)
          } catch (error) {
            throw invalid(
              at,
              `the SCHEMA of stream "${message.stream}" does not compile: ${(error as Error).message}`,
            )
          }
        }
        streams.set(message.stream, {
          mapping: options.streams[message.stream]!,
          check,
          origin: { file: at.file, line: at.line, stream: message.stream, key: message.key },
        })
        break
      }
      case 'RECORD': {
        const stream = streams.get(message.stream)
        if (!stream) {
          checkStreamsMapped([message.stream], options.streams, { file: `${at.file}:${at.line}` })
          throw invalid(at, `a RECORD of stream "${message.stream}" came before its SCHEMA`)
        }
        if (stream.check && !stream.check.check(message.record)) {
          const { field, message: what } = stream.check.violation(message.record)
          throw new PatchbayError(
            'PB_SINGER_SCHEMA_VIOLATION',
            `${at.file}:${at.line}: the RECORD of stream "${message.stream}" does not match its SCHEMA: ${field} ${what}`,
            { file: at.file, line: at.line, field },
          )
        }
        stream.origin.line = at.line
        const exact = (exactIntegers(text) as { record?: Record<string, unknown> } | undefined)?.record
        batcher.add(
          mapRecord(stream.mapping, message.record, stream.origin, options.connector, exact),
          at.line,
        )
        break
      }
      case 'STATE':
        batcher.checkpoint(message.value)
        break
      case 'ACTIVATE_VERSION':
        options.logger?.debug(
          `${at.file}:${at.line}: ACTIVATE_VERSION of stream "${message.stream}" (ignored)`,
        )
        break
    }
  }
  // Lines a chunk at a time when the source has them so (runExtractor, splitLines).
  const batches = lineBatchesOf(lines)
  if (batches)
    for await (const batch of batches)
      for (const text of batch) {
        read(text)
        if (batcher.full()) yield batcher.take()
      }
  else
    for await (const text of lines) {
      read(text)
      if (batcher.full()) yield batcher.take()
    }
  if (batcher.pending()) yield batcher.take()
}
