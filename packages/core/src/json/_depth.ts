/**
 * The offset at which JSON text first nests arrays and objects deeper than `max`, or -1.
 * One pass, before anything is parsed, so a hostile body never reaches a recursive parser
 * or serialiser. Brackets inside strings do not count.
 */
export function tooDeepOffset(text: string, max: number): number {
  if (openersAtMost(text, max)) return -1
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c /* \ */) i++
      else if (c === 0x22 /* " */) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return i
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--
  }
  return -1
}

/**
 * True when the text has at most `max` `{` and `[` in all (strings included), so it cannot
 * nest deeper than `max`: counted with indexOf, which is much faster than the scan above for
 * the usual small document (a line of tap output, one event).
 */
function openersAtMost(text: string, max: number): boolean {
  let n = 0
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++n > max) return false
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++n > max) return false
  return true
}
