/**
 * A deep copy of a JSON-like value with `scrub` applied to every string, object keys
 * included. Errors become `{ name, message, cause, ...own fields }` so their text is scrubbed
 * too (JSON.stringify would drop it); cycles are kept as cycles.
 */
export function scrubValue<T>(input: T, scrub: (text: string) => string, seen = new WeakMap()): T {
  if (typeof input === 'string') return scrub(input) as T
  if (typeof input !== 'object' || input === null || input instanceof Uint8Array) return input
  if (seen.has(input)) return seen.get(input) as T
  if (Array.isArray(input)) {
    const out: unknown[] = []
    seen.set(input, out)
    for (const item of input) out.push(scrubValue(item, scrub, seen))
    return out as T
  }
  const out: Record<string, unknown> = {}
  seen.set(input, out)
  if (input instanceof Error) {
    out.name = input.name
    out.message = scrub(input.message)
    if (input.cause !== undefined) out.cause = scrubValue(input.cause, scrub, seen)
  }
  for (const [k, v] of Object.entries(input)) out[scrub(k)] = scrubValue(v, scrub, seen)
  return out as T
}
