import type { Outcome, RunSummary } from '@patchbay/core'
import { color } from './_output.ts'

/** The end-of-run summary `patchbay run` prints: per destination, counts and reasons. */
export function formatSummary(
  summary: RunSummary,
  destinations: ReadonlyArray<{ id: string; source: string }>,
  firstErrors: Map<string, Outcome>,
  badLines: number,
): string {
  const lines = [
    color.bold(`${summary.events} events in${badLines ? ` (+${badLines} unreadable lines)` : ''}`),
  ]
  for (const dest of destinations) {
    const d = summary.destinations[dest.id] ?? { delivered: 0, dropped: 0, failed: 0, reasons: {} }
    const failed = d.failed > 0 ? color.red(`failed ${d.failed}`) : `failed ${d.failed}`
    lines.push(
      `  ${color.bold(dest.id)} ${color.dim(`(${dest.source})`)}: ${color.green(`delivered ${d.delivered}`)}, dropped ${d.dropped}, ${failed}`,
    )
    for (const [reason, count] of Object.entries(d.reasons).sort((a, b) => b[1] - a[1])) {
      lines.push(`    ${count} × ${reason}`)
    }
    const example = firstErrors.get(dest.id)
    if (example?.error)
      lines.push(
        color.dim(
          `    first failure (event ${example.messageId ?? `#${example.index + 1}`}): ${example.error.message}`,
        ),
      )
  }
  return lines.join('\n')
}
