import type { Family } from './_series.ts'
import { type Counter, createCounter } from './counter.ts'
import { createGauge, type Gauge, type GaugeOptions } from './gauge.ts'
import { createHistogram, type Histogram, type HistogramOptions } from './histogram.ts'
import type { MetricOptions } from './metric-options.ts'

/** The Content-Type of {@link MetricsRegistry.render}'s output. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/** Metric families that render together, in the order they were registered. */
export interface MetricsRegistry {
  counter<const L extends string = never>(options: MetricOptions<L>): Counter<L>
  gauge<const L extends string = never>(options: GaugeOptions<L>): Gauge<L>
  histogram<const L extends string = never>(options: HistogramOptions<L>): Histogram<L>
  /**
   * Every family in the Prometheus text exposition format 0.0.4 (serve it with
   * {@link PROMETHEUS_CONTENT_TYPE}); callback gauges are read now.
   */
  render(): string
}

/**
 * A tiny, dependency-free metrics registry: counters, gauges (set, or read by a callback at
 * scrape time) and histograms, all with typed labels.
 *
 * @example
 * const metrics = createMetricsRegistry()
 * const requests = metrics.counter({ name: 'http_requests_total', help: 'HTTP requests', labels: ['status'] })
 * requests.inc({ status: '200' })
 * metrics.gauge({ name: 'queue_length', help: 'Jobs waiting', collect: (set) => set({}, queue.length) })
 * metrics.render()
 * // # HELP http_requests_total HTTP requests
 * // # TYPE http_requests_total counter
 * // http_requests_total{status="200"} 1
 * // ...
 */
export function createMetricsRegistry(): MetricsRegistry {
  const families = new Map<string, Family>()
  const register = <F extends Family>(family: F): F => {
    if (families.has(family.name)) throw new Error(`A metric named ${family.name} is registered already`)
    families.set(family.name, family)
    return family
  }
  return {
    counter: (options) => register(createCounter(options)),
    gauge: (options) => register(createGauge(options)),
    histogram: (options) => register(createHistogram(options)),
    render() {
      const lines = [...families.values()].flatMap((family) => family.lines())
      return lines.length === 0 ? '' : `${lines.join('\n')}\n`
    },
  }
}
