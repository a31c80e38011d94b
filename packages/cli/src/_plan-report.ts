/** One row of `patchbay plan report`: how many events of a plan had a violation type. */
export interface ReportRow {
  source?: string
  plan?: string
  version?: string
  event: string
  type: string
  count: number
}

/**
 * Tallies `context.violationErrors` in forwarded events (a JSONL file, e.g. what a webhook or
 * warehouse received): one row per event name and violation type, counting events.
 */
export function reportFromEvents(events: Iterable<unknown>): {
  events: number
  violating: number
  rows: ReportRow[]
} {
  const rows = new Map<string, ReportRow>()
  let total = 0
  let violating = 0
  for (const raw of events) {
    total++
    const event = raw as { type?: string; event?: string; context?: Record<string, unknown> }
    const errors = event?.context?.violationErrors
    if (!Array.isArray(errors) || errors.length === 0) continue
    violating++
    const name = event.type === 'track' ? String(event.event) : String(event.type)
    const plan = event.context?.trackingPlanId
    const version = event.context?.trackingPlanVersion
    for (const type of new Set(errors.map((e) => String((e as { type?: unknown }).type)))) {
      const key = `${plan}\u0000${version}\u0000${name}\u0000${type}`
      const row = rows.get(key)
      if (row) row.count++
      else
        rows.set(key, {
          ...(plan !== undefined ? { plan: String(plan) } : {}),
          ...(version !== undefined ? { version: String(version) } : {}),
          event: name,
          type,
          count: 1,
        })
    }
  }
  return { events: total, violating, rows: sortRows([...rows.values()]) }
}

/** Reads `patchbay_plan_violations_total` (and the event totals) from a Prometheus exposition. */
export function reportFromMetrics(text: string): {
  events: number
  violating: number
  dropped: number
  rows: ReportRow[]
} {
  const rows: ReportRow[] = []
  let events = 0
  let violating = 0
  let dropped = 0
  for (const line of text.split('\n')) {
    const match = /^(patchbay_plan_(?:violations|events)_total)\{([^}]*)\}\s+(\S+)/.exec(line)
    if (!match) continue
    const labels = Object.fromEntries(
      [...match[2]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    )
    const value = Number(match[3])
    if (match[1] === 'patchbay_plan_events_total') {
      if (labels.outcome === 'validated') events += value
      if (labels.outcome === 'violating') violating += value
      if (labels.outcome === 'dropped') dropped += value
      continue
    }
    if (value === 0) continue
    rows.push({
      source: labels.source,
      plan: labels.plan,
      version: labels.version,
      event: labels.event ?? '?',
      type: labels.type ?? '?',
      count: value,
    })
  }
  return { events, violating, dropped, rows: sortRows(rows) }
}

function sortRows(rows: ReportRow[]): ReportRow[] {
  return rows.sort(
    (a, b) => b.count - a.count || a.event.localeCompare(b.event) || a.type.localeCompare(b.type),
  )
}

/** A plain text table, columns padded to their widest cell. */
export function table(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  return [line(head), ...body.map(line)].join('\n')
}
