import { UsageError } from './_exit.ts'

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** Reads `24h`, `90m`, `30s`, `500ms` or `2d` as milliseconds; `flag` names the option in errors. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim())
  if (!match) throw new UsageError(`${flag} takes a duration such as 24h, 90m, 30s or 500ms, got "${text}"`)
  return Math.round(Number(match[1]) * UNITS[match[2]!]!)
}
