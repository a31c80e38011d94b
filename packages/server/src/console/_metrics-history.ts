/**
 * The last hour of the gateway's own metrics, for the console's charts: the Prometheus text
 * `/metrics` serves, read every `intervalMs` and kept in memory (counters as rates per
 * second, gauges as values). Nothing is added to the hot path: prom-client already counts.
 */

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/** The samples of a Prometheus text exposition (comments skipped). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = LINE.exec(line)
    if (!m) continue
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1')
    const value = Number(m[3])
    if (!Number.isNaN(value)) samples.push({ name: m[1]!, labels, value })
  }
  return samples
}

/** One chart: a title, a unit, and one line per source or destination. */
export interface Chart {
  title: string
  unit: string
  lines: Record<string, Array<number | null>>
}

export interface MetricsHistory {
  intervalMs: number
  /** Sample times, seconds since the epoch. */
  times: number[]
  charts: Chart[]
}

type Reading = Map<string, number>

/** What each chart draws, from one reading and the one before it. */
const CHARTS: Array<{
  title: string
  unit: string
  /** Key of a line → value, from the current (and previous) reading. */
  lines(now: Reading, before: Reading | undefined, seconds: number): Map<string, number | null>
}> = [
  {
    title: 'Events in per second (by source)',
    unit: '/s',
    lines: (now, before, s) => rates(now, before, s, 'patchbay_events_accepted_total', 'source'),
  },
  {
    title: 'Events delivered per second (by destination)',
    unit: '/s',
    lines: (now, before, s) =>
      rates(now, before, s, 'patchbay_deliveries_total', 'destination', (l) =>
        l.endsWith('status=delivered'),
      ),
  },
  {
    title: 'Mean delivery latency (s)',
    unit: 's',
    lines: (now, before) => {
      const out = new Map<string, number | null>()
      for (const [key, sum] of now) {
        if (!key.startsWith('patchbay_delivery_latency_seconds_sum|')) continue
        const labels = key.slice(key.indexOf('|') + 1)
        const countKey = `patchbay_delivery_latency_seconds_count|${labels}`
        const dSum = sum - (before?.get(key) ?? 0)
        const dCount = (now.get(countKey) ?? 0) - (before?.get(countKey) ?? 0)
        out.set(labelValue(labels, 'destination'), dCount > 0 ? dSum / dCount : null)
      }
      return out
    },
  },
  {
    title: 'Queue depth (waiting and in flight)',
    unit: 'jobs',
    lines: (now) => gauges(now, 'patchbay_queue_jobs', 'destination', (l) => !l.includes('state=retrying')),
  },
  {
    title: 'Retry backlog',
    unit: 'jobs',
    lines: (now) => gauges(now, 'patchbay_queue_jobs', 'destination', (l) => l.includes('state=retrying')),
  },
  {
    title: 'Dead letters',
    unit: 'events',
    lines: (now) => gauges(now, 'patchbay_dead_letters', 'destination'),
  },
]

function labelValue(labels: string, name: string): string {
  for (const part of labels.split(',')) if (part.startsWith(`${name}=`)) return part.slice(name.length + 1)
  return '-'
}

function rates(
  now: Reading,
  before: Reading | undefined,
  seconds: number,
  metric: string,
  by: string,
  keep: (labels: string) => boolean = () => true,
): Map<string, number | null> {
  const out = new Map<string, number | null>()
  for (const [key, value] of now) {
    if (!key.startsWith(`${metric}|`)) continue
    const labels = key.slice(metric.length + 1)
    if (!keep(labels)) continue
    const line = labelValue(labels, by)
    const rate = before ? Math.max(0, value - (before.get(key) ?? 0)) / seconds : null
    out.set(line, rate === null ? (out.get(line) ?? null) : (out.get(line) ?? 0) + rate)
  }
  return out
}

function gauges(now: Reading, metric: string, by: string, keep: (labels: string) => boolean = () => true) {
  const out = new Map<string, number | null>()
  for (const [key, value] of now) {
    if (!key.startsWith(`${metric}|`)) continue
    const labels = key.slice(metric.length + 1)
    if (!keep(labels)) continue
    const line = labelValue(labels, by)
    out.set(line, (out.get(line) ?? 0) + value)
  }
  return out
}

function reading(text: string): Reading {
  const r: Reading = new Map()
  for (const s of parseExposition(text)) {
    const labels = Object.entries(s.labels)
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join(',')
    r.set(`${s.name}|${labels}`, s.value)
  }
  return r
}

/**
 * Samples `render()` every `intervalMs` and keeps `windowMs` of history.
 *
 * @example
 * const history = startMetricsHistory(() => metrics.render(), { intervalMs: 5000, windowMs: 3_600_000 })
 * history.snapshot() // { times, charts: [{ title, unit, lines: { web: [..] } }] }
 */
export function startMetricsHistory(
  render: () => Promise<string>,
  options: { intervalMs: number; windowMs: number },
) {
  const points = Math.max(2, Math.ceil(options.windowMs / options.intervalMs))
  const times: number[] = []
  const values: Array<Array<Map<string, number | null>>> = CHARTS.map(() => [])
  let before: Reading | undefined
  let beforeAt = 0
  let sampling = false

  async function sample(): Promise<void> {
    if (sampling) return
    sampling = true
    try {
      const now = reading(await render())
      const at = Date.now()
      const seconds = before ? Math.max(0.001, (at - beforeAt) / 1000) : 1
      times.push(Math.round(at / 1000))
      for (const [i, chart] of CHARTS.entries()) values[i]!.push(chart.lines(now, before, seconds))
      if (times.length > points) {
        times.shift()
        for (const v of values) v.shift()
      }
      before = now
      beforeAt = at
    } catch {
      // a failed read leaves a gap in the charts
    } finally {
      sampling = false
    }
  }

  void sample()
  const timer = setInterval(() => void sample(), options.intervalMs)
  timer.unref()

  return {
    sample,
    snapshot(): MetricsHistory {
      return {
        intervalMs: options.intervalMs,
        times: [...times],
        charts: CHARTS.map((chart, i) => {
          const names = new Set<string>()
          for (const point of values[i]!) for (const k of point.keys()) names.add(k)
          const lines: Record<string, Array<number | null>> = {}
          for (const name of [...names].sort()) lines[name] = values[i]!.map((p) => p.get(name) ?? null)
          return { title: chart.title, unit: chart.unit, lines }
        }),
      }
    },
    stop(): void {
      clearInterval(timer)
    },
  }
}
