/** What every metric takes and how label values are given. */

/** The values of a metric's labels, one string per label name. */
export type LabelValues<L extends string> = Readonly<Record<L, string>>

/**
 * What every metric family takes: its name, its help text and its label names. The label
 * names become the type of the label values each call takes.
 *
 * @example
 * const accepted = registry.counter({ name: 'events_total', help: 'Events', labels: ['source'] })
 * accepted.inc({ source: 'web' }) // accepted.inc({}) does not compile
 */
export interface MetricOptions<L extends string> {
  /** e.g. `patchbay_events_accepted_total`. */
  name: string
  /** One line saying what is counted or measured, and in which unit. */
  help: string
  /** Label names, in the order samples print them. */
  labels?: readonly L[]
}
