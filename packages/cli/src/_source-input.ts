import { createReadStream, existsSync } from 'node:fs'
import { basename } from 'node:path'
import { createInterface } from 'node:readline'
import { type LoadedPipeline, type LogSink, parseJson, prepareSources } from '@patchbay/core'
import { UsageError } from './_exit.ts'
import type { BadLine } from './_read-events.ts'

/**
 * Reads `--input` through one of the pipeline's sources (`--source <id>`). A source with
 * `readLines` (logs) gets the stream of lines; any other source gets each line as a JSON
 * request body to `parse` (with the line's bytes as `rawBody`), as if it had been posted to the
 * gateway. The source's log lines go to `logSink`, redacted.
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
  const stream = path === '-' ? process.stdin : createReadStream(path, { encoding: 'utf8' })
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })
  const origin = path === '-' ? 'stdin' : basename(path)

  // A pulling source (Singer, Airbyte) reads the extractor's output from the lines; states are
  // not kept here (`patchbay sync` keeps them).
  if (source!.sync) {
    for await (const batch of source!.sync({ state: undefined, input: lines, origin }))
      if (batch.events.length > 0) yield { events: batch.events, lines: [], bad: [] }
    return
  }
  if (source!.readLines) {
    for await (const events of source!.readLines(lines, origin)) yield { events, lines: [], bad: [] }
    return
  }
  let batch = { events: [] as unknown[], lines: [] as Array<number | undefined>, bad: [] as BadLine[] }
  let n = 0
  for await (const text of lines) {
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
