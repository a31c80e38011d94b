/**
 * The benchmark harness behind `npm run bench`.
 *
 * A bench file (`packages/<pkg>/bench/*.bench.ts`, `connectors/<pkg>/bench/*.bench.ts`)
 * default-exports an array of cases. Cases run in file order, one at a time, and a case
 * may read the figures measured before it in the same run (`ctx.get`), which is how
 * ratios against a baseline are taken on this shared, noisy machine.
 */
export interface BenchContext {
  /** A figure measured earlier in this run; throws when it is missing. */
  get(name: string): number
}

export interface BenchCase {
  /** Stable machine-readable name, e.g. `protocol.validate.track`. */
  name: string
  /** Unit of the figure: `events/s`, `ms`, `ratio`, ... */
  unit: string
  /** What the figure means, shown in the table. */
  description?: string
  /** The goal, when the project has one (shown as a column; never asserted). */
  goal?: { op: '>=' | '<='; value: number }
  measure(ctx: BenchContext): Promise<number> | number
}

export interface RateOptions {
  /** How long one round lasts, in ms (default 300). */
  roundMs?: number
  /** How many rounds; the median is reported (default 5). */
  rounds?: number
  /** Warm-up time in ms before measuring (default 200). */
  warmupMs?: number
}

/**
 * Items per second of `step`, which processes some items and returns how many.
 * Reports the median over several timed rounds after a warm-up.
 */
export async function measureRate(
  step: () => number | Promise<number>,
  { roundMs = 300, rounds = 5, warmupMs = 200 }: RateOptions = {},
): Promise<number> {
  const run = async (ms: number) => {
    let items = 0
    const start = performance.now()
    let elapsed = 0
    while (elapsed < ms) {
      items += await step()
      elapsed = performance.now() - start
    }
    return (items / elapsed) * 1000
  }
  await run(warmupMs)
  const rates: number[] = []
  for (let i = 0; i < rounds; i++) rates.push(await run(roundMs))
  return median(rates)
}

/** Runs `step` `count` times after `warmup` runs and returns each duration in ms. */
export async function measureLatencies(
  step: () => unknown | Promise<unknown>,
  { count = 2000, warmup = 200 }: { count?: number; warmup?: number } = {},
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await step()
  const out = new Array<number>(count)
  for (let i = 0; i < count; i++) {
    const start = performance.now()
    await step()
    out[i] = performance.now() - start
  }
  return out
}

/**
 * `rounds` pairs, a baseline round then a subject round: the medians of each side and of
 * the pairs' ratios. For figures whose rounds are whole runs (a fresh database each), where
 * one round of each moves the ratio with whatever the machine does meanwhile.
 */
export async function alternatingPairs(
  rounds: number,
  baseline: () => Promise<number>,
  subject: () => Promise<number>,
): Promise<{ baseline: number; subject: number; ratio: number }> {
  const bases: number[] = []
  const subjects: number[] = []
  const ratios: number[] = []
  for (let round = 0; round < rounds; round++) {
    const base = await baseline()
    const value = await subject()
    bases.push(base)
    subjects.push(value)
    ratios.push(value / base)
  }
  return { baseline: median(bases), subject: median(subjects), ratio: median(ratios) }
}

export function median(values: readonly number[]): number {
  return percentile(values, 50)
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of an empty list')
  const sorted = [...values].sort((a, b) => a - b)
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[idx]!
}

export function defineBench(cases: BenchCase[]): BenchCase[] {
  return cases
}
