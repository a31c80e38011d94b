/** The Prometheus text exposition format 0.0.4: names, escaping, numbers and sample lines. */

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/** Throws unless `name` is a valid metric name and each label name a valid, unreserved one. */
export function checkNames(name: string, labels: readonly string[], reserved: readonly string[] = []): void {
  if (!METRIC_NAME.test(name)) throw new Error(`"${name}" is not a valid Prometheus metric name`)
  for (const label of labels) {
    if (!LABEL_NAME.test(label) || label.startsWith('__') || reserved.includes(label))
      throw new Error(`${name}: "${label}" cannot be a label name`)
  }
  if (new Set(labels).size !== labels.length) throw new Error(`${name}: a label name is repeated`)
}

/** HELP text: backslash and newline escaped. */
export const escapeHelp = (text: string) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')

/** A label value: backslash, double quote and newline escaped. */
export const escapeLabelValue = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')

/** A sample value or `le` bound: `+Inf`, `-Inf` and `NaN` spelled as Prometheus does. */
export function formatNumber(n: number): string {
  if (n === Number.POSITIVE_INFINITY) return '+Inf'
  if (n === Number.NEGATIVE_INFINITY) return '-Inf'
  return String(n)
}

/** `{a="x",b="y"}`, or nothing without labels. */
export function formatLabels(pairs: ReadonlyArray<readonly [string, string]>): string {
  if (pairs.length === 0) return ''
  return `{${pairs.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`
}

/** One sample line: `name{labels} value`. */
export const sampleLine = (name: string, pairs: ReadonlyArray<readonly [string, string]>, value: number) =>
  `${name}${formatLabels(pairs)} ${formatNumber(value)}`

/** The `# HELP` and `# TYPE` lines that open a metric family. */
export const headerLines = (name: string, help: string, type: string) => [
  `# HELP ${name} ${escapeHelp(help)}`,
  `# TYPE ${name} ${type}`,
]
