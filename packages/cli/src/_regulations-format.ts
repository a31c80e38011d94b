import type { Regulation } from '@patchbay/server'
import { color } from './_output.ts'

const time = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z'))

/** `3 done, 1 failed`: the deletion statuses of a regulation, counted. */
function deletionSummary(regulation: Regulation): string {
  if (regulation.type === 'suppress') return '-'
  const counts = new Map<string, number>()
  for (const d of regulation.deletions) counts.set(d.status, (counts.get(d.status) ?? 0) + 1)
  return [...counts].map(([status, n]) => `${n} ${status}`).join(', ') || 'none'
}

/** One line per regulation, newest first, under a header. */
export function formatRegulations(regulations: Regulation[]): string[] {
  const rows = regulations.map((r) => [
    String(r.id),
    r.type,
    time(r.createdAt),
    r.removedAt === null ? 'in force' : `removed ${time(r.removedAt)}`,
    r.identifiers.map((i) => `${i.type}=${i.value}`).join(' '),
    deletionSummary(r),
  ])
  const header = ['ID', 'TYPE', 'CREATED', 'STATE', 'IDENTIFIERS', 'DELETIONS']
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((row) => row[k]!.length)))
  const line = (cells: string[]) =>
    cells
      .map((c, k) => c.padEnd(widths[k]!))
      .join('  ')
      .trimEnd()
  return [color.dim(line(header)), ...rows.map(line)]
}

/** A regulation in full: the audit trail of one request. */
export function formatRegulation(r: Regulation): string[] {
  const lines = [
    `Regulation ${r.id}: ${r.type}`,
    `  created   ${time(r.createdAt)}`,
    `  state     ${r.removedAt === null ? 'in force' : `removed ${time(r.removedAt)}`}`,
    `  purged    ${r.purged.jobs} queued jobs, ${r.purged.deadLetters} dead letters`,
    '  identifiers',
    ...r.identifiers.map((i) => `    ${i.type}=${i.value}`),
  ]
  if (r.type === 'suppress_with_delete') {
    lines.push('  deletions')
    for (const d of r.deletions) {
      const status =
        d.status === 'done' ? color.green(d.status) : d.status === 'failed' ? color.red(d.status) : d.status
      lines.push(
        `    ${d.destinationId}: ${status} (attempts ${d.attempts}, updated ${time(d.updatedAt)})${d.reason ? ` ${d.reason}` : ''}`,
      )
    }
  }
  return lines
}
