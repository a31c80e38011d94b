/** A duration for people: `300 ms`, `45 s`, `5 min`, `2.5 h`, `3 d`. */
export function durationText(ms: number): string {
  const round = (n: number) => String(Math.round(n * 10) / 10)
  if (ms < 1_000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${round(ms / 1_000)} s`
  if (ms < 3_600_000) return `${round(ms / 60_000)} min`
  if (ms < 2 * 86_400_000) return `${round(ms / 3_600_000)} h`
  return `${round(ms / 86_400_000)} d`
}
