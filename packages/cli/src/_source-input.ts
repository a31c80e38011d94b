import { createReadStream, existsSync } from 'node:fs'
import { basename } from 'node:path'
import { createInterface } from 'node:readline'
import {
  type LoadedPipeline,
  type LogSink,
  type PreparedSource,
  parseJson,
  prepareSources,
} from '@patchbay/core'
import { UsageError } from './_exit.ts'
import type { BadLine } from './_read-events.ts'
import { splitLines } from './_split-lines.ts'

/**
 * Reads `--input` through one of the pipeline's sources (`--source <id>`), in batches of
 * `batchSize` events whatever the source's own batching (as the gateway's processor batches
 * what its sources ingest). A source with `readLines` (logs) gets the stream of lines; any
 * other source gets each line as a JSON request body to `parse` (with the line's bytes as
 * `rawBody`), as if it had been posted to the gateway. Each event comes with its input line
 * (1-based). The source's log lines go to `logSink`, redacted.
 */
export async function* readThroughSource(
  loaded: LoadedPipeline,
  sourceId: string,
  path: string,
  batchSize: number,
  logSink: LogSink,
): AsyncGenerator<{ events: unknown[]; lines: Array<number | undefined>; bad: BadLine[] }> {
  const step = loaded.definition.sources?.find((s) => s.id === sourceId)
  if (!step) {
    const ids = (loaded.definition.sources ?? []).map((s) => s.id)
    throw new UsageError(
      `the pipeline has no source "${sourceId}"${ids.length ? ` (it has: ${ids.join(', ')})` : ' (it declares no sources)'}`,
    )
  }
  if (!step.use)
    throw new UsageError(
      `source "${sourceId}" has no \`use:\` plugin to read --input with: it takes SDK calls to the gateway only`,
    )
  if (path !== '-' && !existsSync(path)) throw new UsageError(`input file ${path} does not exist`)
  // Core's source stage: config migration, validation, and a logger and errors that redact
  // the source's secrets, exactly as the gateway runs the same source.
  const [source] = (await prepareSources(loaded, { only: [sourceId], logSink })).sources
  const stream =
    path === '-' ? process.stdin.setEncoding('utf8') : createReadStream(path, { encoding: 'utf8' })
  const origin = path === '-' ? 'stdin' : basename(path)
  const lines = () => createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })

  // A pulling source (Singer, Airbyte) reads the extractor's output from the lines; states are
  // not kept here (`patchbay sync` keeps them), so its batches are re-cut by batchSize.
  if (source!.sync) {
    let events: unknown[] = []
    for await (const batch of source!.sync({ state: undefined, input: lines(), origin }))
      for (const event of batch.events) {
        events.push(event)
        if (events.length >= batchSize) {
          yield { events, lines: [], bad: [] }
          events = []
        }
      }
    if (events.length > 0) yield { events, lines: [], bad: [] }
    return
  }
  if (source!.readLines) {
    yield* numberedLines(source!.readLines, splitLines(stream), origin, batchSize)
    return
  }
  let batch = { events: [] as unknown[], lines: [] as Array<number | undefined>, bad: [] as BadLine[] }
  let n = 0
  for await (const text of lines()) {
    n++
    if (text.trim() === '') continue
    try {
      const body = parseJson(text, { what: 'the line' })
      const result = await source!.parse!({
        method: 'POST',
        url: `file://${origin}`,
        headers: { 'content-type': 'application/json' },
        query: {},
        body,
        // The exact bytes, as the gateway passes them: a source may check a signature over them.
        rawBody: new TextEncoder().encode(text),
      })
      for (const event of result.events) {
        batch.events.push(event)
        batch.lines.push(n)
      }
    } catch (error) {
      batch.bad.push({ line: n, message: `${origin}:${n}: ${(error as Error).message}` })
    }
    if (batch.events.length >= batchSize) {
      yield batch
      batch = { events: [], lines: [], bad: [] }
    }
  }
  if (batch.events.length > 0 || batch.bad.length > 0) yield batch
}

/**
 * Runs a line source over `lines` and numbers its events: the events a source yields belong
 * to the last line it has read, so a source that yields each line's events before it reads
 * the next one (as the log source does) gets every event its exact line, also several events
 * from one line, and none for the lines it drops. The events are re-batched by `batchSize`.
 */
async function* numberedLines(
  readLines: NonNullable<PreparedSource['readLines']>,
  lines: AsyncIterable<string>,
  origin: string,
  batchSize: number,
): AsyncGenerator<{ events: unknown[]; lines: number[]; bad: BadLine[] }> {
  let n = 0
  async function* counted() {
    for await (const line of lines) {
      n++
      yield line
    }
  }
  let batch = { events: [] as unknown[], lines: [] as number[], bad: [] as BadLine[] }
  for await (const events of readLines(counted(), origin)) {
    for (const event of events) {
      batch.events.push(event)
      batch.lines.push(n)
      if (batch.events.length >= batchSize) {
        yield batch
        batch = { events: [], lines: [], bad: [] }
      }
    }
  }
  if (batch.events.length > 0) yield batch
}
