import { formatNumber, headerLines, sampleLine } from './_exposition.ts'
import { checkValue, type Family, SeriesMap } from './_series.ts'
import type { LabelValues, MetricOptions } from './metric-options.ts'

/** Prometheus's default buckets, in seconds: 5 ms to 10 s. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export interface HistogramOptions<L extends string> extends MetricOptions<L> {
  /** Upper bounds, strictly increasing and finite; `+Inf` is always added. Default {@link DEFAULT_BUCKETS}. */
  buckets?: readonly number[]
}

/** What one series of a histogram has seen. */
export interface HistogramSnapshot {
  /** Cumulative counts per bucket, in bucket order, `+Inf` last (it equals `count`). */
  buckets: number[]
  sum: number
  count: number
}

/** A distribution (latencies, sizes) in fixed buckets, one series per set of label values. */
export interface Histogram<L extends string = never> {
  observe(labels: LabelValues<L>, value: number): void
  /** What a series has seen so far; all zeros when nothing was observed. */
  get(labels: LabelValues<L>): HistogramSnapshot
}

function checkBuckets(name: string, buckets: readonly number[]): void {
  const ok = buckets.every((b, i) => Number.isFinite(b) && (i === 0 || b > buckets[i - 1]!))
  if (!ok || buckets.length === 0)
    throw new Error(`${name}: buckets must be finite and strictly increasing; got ${buckets.join(', ')}`)
}

/**
 * A histogram family rendered as cumulative `_bucket{le="..."}` series (`+Inf` included),
 * `_sum` and `_count`. Prefer {@link MetricsRegistry.histogram}, which also renders it.
 * Without labels its one series exists from the start, empty.
 *
 * @example
 * const latency = createHistogram({ name: 'request_seconds', help: 'Request time, in seconds', buckets: [0.1, 1] })
 * latency.observe({}, 0.25)
 */
export function createHistogram<const L extends string = never>(
  options: HistogramOptions<L>,
): Histogram<L> & Family {
  const { name, help, buckets = DEFAULT_BUCKETS } = options
  checkBuckets(name, buckets)
  const bounds = [...buckets, Number.POSITIVE_INFINITY]
  const empty = () => ({ counts: bounds.map(() => 0), sum: 0, count: 0 })
  const series = new SeriesMap(name, options.labels ?? [], empty, ['le'])
  if (series.labelNames.length === 0) series.get({} as LabelValues<L>)

  const snapshot = ({ counts, sum, count }: ReturnType<typeof empty>): HistogramSnapshot => {
    let total = 0
    return { buckets: counts.map((n) => (total += n)), sum, count }
  }

  return {
    name,
    observe(labels, value) {
      checkValue(name, value)
      const state = series.get(labels)
      state.counts[bounds.findIndex((bound) => value <= bound)]! += 1
      state.sum += value
      state.count += 1
    },
    get: (labels) => snapshot(series.find(labels) ?? empty()),
    lines() {
      const lines = headerLines(name, help, 'histogram')
      for (const { pairs, state } of series.entries()) {
        const { buckets: cumulative, sum, count } = snapshot(state)
        for (const [i, bound] of bounds.entries())
          lines.push(sampleLine(`${name}_bucket`, [...pairs, ['le', formatNumber(bound)]], cumulative[i]!))
        lines.push(sampleLine(`${name}_sum`, pairs, sum), sampleLine(`${name}_count`, pairs, count))
      }
      return lines
    },
  }
}
