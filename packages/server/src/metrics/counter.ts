import { headerLines, sampleLine } from './_exposition.ts'
import { checkValue, type Family, SeriesMap } from './_series.ts'
import type { LabelValues, MetricOptions } from './metric-options.ts'

/** A count that only goes up (requests, events), one series per set of label values. */
export interface Counter<L extends string = never> {
  /** Adds `value` (default 1; 0 creates the series) to the series of `labels`. */
  inc(labels: LabelValues<L>, value?: number): void
  /** The current value of a series; 0 when it was never incremented. */
  get(labels: LabelValues<L>): number
}

/**
 * A counter family. Prefer {@link MetricsRegistry.counter}, which also renders it. Without
 * labels its one series exists from the start, at 0.
 *
 * @example
 * const requests = createCounter({ name: 'http_requests_total', help: 'Requests', labels: ['status'] })
 * requests.inc({ status: '200' })
 */
export function createCounter<const L extends string = never>(
  options: MetricOptions<L>,
): Counter<L> & Family {
  const { name, help } = options
  const series = new SeriesMap(name, options.labels ?? [], () => ({ value: 0 }))
  if (series.labelNames.length === 0) series.get({} as LabelValues<L>)
  return {
    name,
    inc(labels, value = 1) {
      checkValue(name, value, true)
      series.get(labels).value += value
    },
    get: (labels) => series.find(labels)?.value ?? 0,
    lines: () => [
      ...headerLines(name, help, 'counter'),
      ...series.entries().map(({ pairs, state }) => sampleLine(name, pairs, state.value)),
    ],
  }
}
