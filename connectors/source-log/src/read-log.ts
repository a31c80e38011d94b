import { createReadStream } from 'node:fs'
import { basename } from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { compileConfig, createLogger, runtimeServices, silentSink } from '@patchbay/core'
import { type LogSourceConfig, LogSourceConfigSchema } from './config.ts'
import { createLogSource, type LogSourceOptions } from './source.ts'

/**
 * Streams a log file (never read whole) as batches of raw events, one per line.
 *
 * @example
 * for await (const events of readLogFile('/var/log/nginx/access.log', { batchSize: 500 }))
 *   await pipeline.process(events)
 */
export function readLogFile(
  path: string,
  config: Partial<LogSourceConfig> = {},
  options: LogSourceOptions = {},
) {
  return readLogStream(createReadStream(path, { encoding: 'utf8' }), basename(path), config, options)
}

/** Like readLogFile, from any stream (stdin); `origin` names it in each event. */
export function readLogStream(
  stream: Readable,
  origin: string,
  config: Partial<LogSourceConfig> = {},
  options: LogSourceOptions = {},
): AsyncIterable<unknown[]> {
  const parsed = compileConfig(LogSourceConfigSchema).parse(config)
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })
  const source = createLogSource(options)
  const events = source.readLines!(lines, {
    ...runtimeServices,
    config: parsed,
    origin,
    plugin: `${source.name}@${source.version}`,
    logger: createLogger({ scope: origin, sink: silentSink }),
  })
  return batched(events, parsed.batchSize)
}

/** The source yields each line's events on their own; these are batches of `size`. */
async function* batched(batches: AsyncIterable<unknown[]>, size: number): AsyncGenerator<unknown[]> {
  let batch: unknown[] = []
  for await (const events of batches) {
    for (const event of events) {
      batch.push(event)
      if (batch.length >= size) {
        yield batch
        batch = []
      }
    }
  }
  if (batch.length > 0) yield batch
}
