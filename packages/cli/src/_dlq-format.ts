import type { DeadLetter } from '@patchbay/server'
import { color } from './_output.ts'

/** Reasons longer than this are cut in the table; `dlq show` prints them whole. */
const REASON_WIDTH = 72

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * One line of at most `width` characters: whitespace runs (newlines too) become one space.
 *
 * @example
 * truncate('a\n  b c', 4) // 'a b…'
 */
export function truncate(text: string, width: number): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`
}

/**
 * Counts per destination, by destination name.
 *
 * @example
 * formatCounts({ crm: 2, ads: 1 }) // 'ads 1, crm 2'
 */
export function formatCounts(perDestination: Record<string, number>): string {
  return Object.entries(perDestination)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([destination, n]) => `${destination} ${n}`)
    .join(', ')
}

/**
 * The count and the noun, singular or plural.
 *
 * @example
 * deadLetters(1) // '1 dead letter'
 */
export const deadLetters = (n: number) => `${n} dead letter${n === 1 ? '' : 's'}`

/**
 * The `dlq list` table: id, destination, message id, attempts, when it was aborted (ISO
 * 8601, UTC) and the reason cut to one short line.
 *
 * @example
 * for (const line of formatTable(store.deadLetters.list({ limit: 20 }))) output.out(line)
 */
export function formatTable(rows: readonly DeadLetter[]): string[] {
  const header = ['id', 'destination', 'message id', 'attempts', 'aborted at', 'reason']
  const cells = rows.map((d) => [
    String(d.id),
    d.destinationId,
    d.messageId,
    String(d.attempts),
    iso(d.abortedAt),
    // The destination has its own column: its `destinations.<id>: ` error label is left out.
    truncate(d.reason.replaceAll(`destinations.${d.destinationId}: `, ''), REASON_WIDTH),
  ])
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((row) => row[i]!.length)))
  const line = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  return [color.bold(line(header)), ...cells.map(line)]
}

/**
 * `dlq show`: every field on its own line, then the payload pretty-printed.
 *
 * @example
 * output.out(formatDeadLetter(store.deadLetters.get(42)!).join('\n'))
 */
export function formatDeadLetter(d: DeadLetter): string[] {
  const fields: Array<[string, string]> = [
    ['destination', d.destinationId],
    ['message id', d.messageId],
    ['order key', d.orderKey ?? '(none)'],
    ['attempts', String(d.attempts)],
    ['reason', d.reason],
    ['created at', iso(d.createdAt)],
    ['aborted at', iso(d.abortedAt)],
  ]
  const width = Math.max(...fields.map(([name]) => name.length))
  return [
    color.bold(`dead letter ${d.id}`),
    ...fields.map(([name, value]) => `${name.padEnd(width)}  ${value}`),
    color.bold('payload'),
    JSON.stringify(d.payload, null, 2),
  ]
}
