/**
 * The offset at which JSON text first nests arrays and objects deeper than `max`, or -1.
 * One pass, before anything is parsed, so a hostile body never reaches a recursive parser
 * or serialiser. Brackets inside strings do not count.
 */
export function tooDeepOffset(text: string, max: number): number {
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
