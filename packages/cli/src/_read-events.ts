import { createReadStream, existsSync } from 'node:fs'
import { basename } from 'node:path'
import { createInterface } from 'node:readline'
import { JsonInputError, parseJson } from '@patchbay/core'
import { UsageError } from './_exit.ts'

/** A line of a JSONL input that could not be parsed. */
export interface BadLine {
  line: number
  message: string
}

/**
 * Reads events from a JSONL file (or `-` for stdin) in batches, keeping line numbers so a
 * bad line can be named. Blank lines are skipped.
 */
export async function* readJsonl(
  path: string,
  batchSize: number,
): AsyncGenerator<{ events: unknown[]; lines: number[]; bad: BadLine[] }> {
  if (path !== '-' && !existsSync(path)) {
    throw new UsageError(
      `input file ${path} does not exist (give a JSONL file of events, or - to read stdin)`,
    )
  }
  const input = path === '-' ? process.stdin : createReadStream(path, { encoding: 'utf8' })
  const name = path === '-' ? 'stdin' : basename(path)
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })
  let events: unknown[] = []
  let lines: number[] = []
  let bad: BadLine[] = []
  let n = 0
  for await (const text of rl) {
    n++
    if (text.trim() === '') continue
    try {
      events.push(parseJson(text, { what: 'the line' }))
      lines.push(n)
    } catch (error) {
      const what =
        error instanceof JsonInputError && error.problem !== 'syntax' ? 'refused' : 'not valid JSON'
      bad.push({ line: n, message: `${name}:${n}: ${what}, skipped (${(error as Error).message})` })
    }
    if (events.length >= batchSize) {
      yield { events, lines, bad }
      events = []
      lines = []
      bad = []
    }
  }
  if (events.length > 0 || bad.length > 0) yield { events, lines, bad }
}
