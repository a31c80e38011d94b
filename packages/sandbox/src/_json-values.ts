/**
 * What decoding a piece of output costs the host is mostly its allocations: every object,
 * array and string (keys included) `JSON.parse` makes, and the collections that copy them.
 * Numbers, booleans and null cost about what their characters do. Measured on 16 MiB of JSON:
 * ordinary events (about one such value per 10 characters) parse in about 50 ms, empty objects
 * (one per 3 characters) in 640 ms, objects with a unique key each in 1.2 s. So the sandbox
 * counts those values, and bounds them per batch (`batchOutputLimitValues`).
 */

const QUOTE = 34
const BACKSLASH = 92
const OPEN_BRACE = 123
const OPEN_BRACKET = 91

/**
 * Each counted value takes at least two characters of its own (`{}`, `[]`, `""`), so a text
 * of `length` characters holds at most this many: what a piece too small to be worth
 * counting is charged.
 */
export const valuesAtMost = (length: number): number => Math.ceil(length / 2)

/**
 * The objects, arrays and strings (keys included) in a JSON text, counted up to `limit` + 1
 * (it stops there). String bodies are skipped with `indexOf`, so `{`, `[` and escaped quotes
 * inside strings do not count. A text that is not JSON gets a count too, never below what
 * `JSON.parse` would allocate before it gave up.
 */
export function countJsonValues(json: string, limit: number): number {
  let n = 0
  const end = json.length
  for (let i = 0; i < end; i++) {
    const c = json.charCodeAt(i)
    if (c === QUOTE) {
      // The closing quote: the next one after an even run of backslashes.
      let close = i
      for (;;) {
        close = json.indexOf('"', close + 1)
        if (close === -1) return n + 1
        let before = close - 1
        while (json.charCodeAt(before) === BACKSLASH) before--
        if ((close - 1 - before) % 2 === 0) break
      }
      i = close
    } else if (c !== OPEN_BRACE && c !== OPEN_BRACKET) continue
    if (++n > limit) return n
  }
  return n
}
