import { PatchbayError } from '../errors/patchbay-error.ts'
import { flattenLineBatches } from './line-batches.ts'

export interface SplitLinesOptions {
  /** Longest line accepted, in characters (default 16 MiB): a longer one fails the read. */
  maxLineLength?: number
  /** Names the stream in errors (`tap-hubspot stdout`). */
  origin?: string
  /**
   * Cut a longer line to `maxLineLength` characters (with a note of how it was cut) and read
   * on, instead of failing the read: for text that is only logged, such as a stderr.
   */
  cut?: boolean
}

/**
 * Splits a stream of text chunks (a child's stdout, a file) into lines without their `\n`
 * (or `\r\n`). Pulls one chunk at a time, so a slow consumer pauses the producer: the pipe
 * fills and the writer blocks (backpressure), and memory holds one chunk plus one line.
 * A line longer than `maxLineLength` fails the read with `PB_EXTRACT_LINE_TOO_LONG` (garbage
 * output without newlines must not eat the host's memory). A last line without `\n` counts.
 *
 * @example
 * for await (const line of splitLines(child.stdout.setEncoding('utf8'))) handle(line)
 */
export function splitLines(
  chunks: AsyncIterable<string | Buffer>,
  options: SplitLinesOptions = {},
): AsyncGenerator<string, void, undefined> {
  return flattenLineBatches(splitLineBatches(chunks, options))
}

/**
 * {@link splitLines} a chunk at a time: the complete lines of each chunk as one array (no
 * empty arrays). A line that is too long ends the read after the lines before it.
 */
export async function* splitLineBatches(
  chunks: AsyncIterable<string | Buffer>,
  options: SplitLinesOptions = {},
): AsyncGenerator<string[], void, undefined> {
  const max = options.maxLineLength ?? 16 * 1024 * 1024
  const cutNote = ` [cut: the line is longer than ${max} characters]`
  let rest = ''
  let line = 0
  // Cutting: the head of an over-long line was kept, the rest up to its `\n` is skipped.
  let skipping = false
  for await (const chunk of chunks) {
    let text = rest + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'))
    if (skipping) {
      const end = text.indexOf('\n')
      if (end === -1) continue
      skipping = false
      text = text.slice(end + 1)
    }
    const batch: string[] = []
    let start = 0
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      line++
      const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end
      if (stop - start > max) {
        if (!options.cut) {
          if (batch.length > 0) yield batch
          throw tooLong(line, max, options.origin)
        }
        batch.push(text.slice(start, start + max) + cutNote)
      } else batch.push(text.slice(start, stop))
      start = end + 1
    }
    rest = start === 0 ? text : text.slice(start)
    if (rest.length > max) {
      if (!options.cut) {
        if (batch.length > 0) yield batch
        throw tooLong(line + 1, max, options.origin)
      }
      line++
      batch.push(rest.slice(0, max) + cutNote)
      rest = ''
      skipping = true
    }
    if (batch.length > 0) yield batch
  }
  if (rest.length > 0) yield [rest.endsWith('\r') ? rest.slice(0, -1) : rest]
}

function tooLong(line: number, max: number, origin: string | undefined) {
  return new PatchbayError(
    'PB_EXTRACT_LINE_TOO_LONG',
    `${origin ?? 'input'}:${line}: the line is longer than ${max} characters`,
    { line, ...(origin ? { file: origin } : {}), details: { maxLineLength: max } },
  )
}
