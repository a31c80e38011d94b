import { checkNames } from './_exposition.ts'
import type { LabelValues } from './metric-options.ts'

/** A metric family as the registry renders it. */
export interface Family {
  readonly name: string
  /** The `# HELP`, `# TYPE` and sample lines. */
  lines(): string[]
}

/**
 * The series of one metric family, one per distinct set of label values, kept in the order
 * they first appeared (so output is deterministic). Label values are checked on every call:
 * exactly the declared names, each a string.
 */
export class SeriesMap<L extends string, S> {
  readonly #series = new Map<string, { pairs: Array<[string, string]>; state: S }>()
  readonly name: string
  readonly labelNames: readonly L[]
  readonly #create: () => S

  /** `create` makes the state of a new series; `reserved` label names are refused (a histogram's `le`). */
  constructor(name: string, labelNames: readonly L[], create: () => S, reserved: readonly string[] = []) {
    checkNames(name, labelNames, reserved)
    this.name = name
    this.labelNames = labelNames
    this.#create = create
  }

  /** The state of the series with these label values, created on first use. */
  get(labels: LabelValues<L>): S {
    const values = this.#values(labels)
    const key = JSON.stringify(values)
    let entry = this.#series.get(key)
    if (!entry) {
      entry = { pairs: this.labelNames.map((name, i) => [name, values[i]!]), state: this.#create() }
      this.#series.set(key, entry)
    }
    return entry.state
  }

  /** The state of the series with these label values, without creating it. */
  find(labels: LabelValues<L>): S | undefined {
    return this.#series.get(JSON.stringify(this.#values(labels)))?.state
  }

  /** Every series: its label pairs and state. */
  entries(): Array<{ pairs: ReadonlyArray<readonly [string, string]>; state: S }> {
    return [...this.#series.values()]
  }

  clear(): void {
    this.#series.clear()
  }

  #values(labels: LabelValues<L>): string[] {
    const given = Object.keys(labels ?? {})
    const values = this.labelNames.map((name) => (labels as Record<string, unknown>)?.[name])
    if (given.length !== this.labelNames.length || values.some((v) => typeof v !== 'string'))
      throw new Error(
        `${this.name} takes the labels {${this.labelNames.join(', ')}} as strings; got ${JSON.stringify(labels)}`,
      )
    return values as string[]
  }
}

/** A sample value must be a number; counters also refuse to go down. */
export function checkValue(name: string, value: number, nonNegative = false): void {
  if (typeof value !== 'number' || Number.isNaN(value) || (nonNegative && value < 0))
    throw new Error(`${name}: ${String(value)} is not a valid ${nonNegative ? 'increment' : 'value'}`)
}
