import { headerLines, sampleLine } from './_exposition.ts'
import { checkValue, type Family, SeriesMap } from './_series.ts'
import type { LabelValues, MetricOptions } from './metric-options.ts'

/** Sets one series of a gauge from a {@link GaugeOptions.collect} callback. */
export type SetGauge<L extends string> = (labels: LabelValues<L>, value: number) => void

export interface GaugeOptions<L extends string> extends MetricOptions<L> {
  /**
   * Read the values at scrape time instead of setting them: called on every render, after
   * the gauge's series are cleared, so a series is rendered only when `collect` sets it.
   * An error it throws fails the render.
   */
  collect?: (set: SetGauge<L>) => void
}

/** A value that goes up and down (a queue length, connections), one series per set of label values. */
export interface Gauge<L extends string = never> {
  set(labels: LabelValues<L>, value: number): void
  /** Adds `value` (default 1). */
  inc(labels: LabelValues<L>, value?: number): void
  /** Subtracts `value` (default 1). */
  dec(labels: LabelValues<L>, value?: number): void
  /** The current value of a series; 0 when it was never set. */
  get(labels: LabelValues<L>): number
}

/**
 * A gauge family. Prefer {@link MetricsRegistry.gauge}, which also renders it. Without
 * labels and without `collect`, its one series exists from the start, at 0.
 *
 * @example
 * const queued = createGauge({
 *   name: 'queue_length',
 *   help: 'Jobs waiting, per queue',
 *   labels: ['queue'],
 *   collect: (set) => { for (const [queue, n] of queues) set({ queue }, n.length) },
 * })
 */
export function createGauge<const L extends string = never>(options: GaugeOptions<L>): Gauge<L> & Family {
  const { name, help, collect } = options
  const series = new SeriesMap(name, options.labels ?? [], () => ({ value: 0 }))
  if (series.labelNames.length === 0 && !collect) series.get({} as LabelValues<L>)
  const add = (labels: LabelValues<L>, value: number) => {
    checkValue(name, value)
    series.get(labels).value += value
  }
  const set: SetGauge<L> = (labels, value) => {
    checkValue(name, value)
    series.get(labels).value = value
  }
  return {
    name,
    set,
    inc: (labels, value = 1) => add(labels, value),
    dec: (labels, value = 1) => add(labels, -value),
    get: (labels) => series.find(labels)?.value ?? 0,
    lines() {
      if (collect) {
        series.clear()
        collect(set)
      }
      return [
        ...headerLines(name, help, 'gauge'),
        ...series.entries().map(({ pairs, state }) => sampleLine(name, pairs, state.value)),
      ]
    },
  }
}
