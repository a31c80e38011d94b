import { GROK_PATTERNS } from './_grok-patterns.ts'
import { constantFailure, fail, ok, type ParseResult } from './_result.ts'

/** Grok output: strings, or numbers for `:int` / `:float` fields. */
export type GrokFields = Record<string, string | number>

/** How a grok pattern searches. */
export interface GrokOptions {
  /**
   * The longest line an unanchored pattern searches, in characters (default 2048). An
   * unanchored search tries the pattern at every position of the line, and a pattern that
   * begins with an open-ended token (`%{NOTSPACE}`, `%{HOSTNAME}`, `%{GREEDYDATA}`...) can scan
   * to the end of the line from each of them: time quadratic in the length. A longer line is a
   * failure, not a stall. Patterns anchored with `^` make one attempt and take lines of any
   * length.
   */
  maxSearchLength?: number
}

/** The default {@link GrokOptions.maxSearchLength}. */
export const GROK_MAX_SEARCH_LENGTH = 2048

/** A grok pattern compiled once to one native RegExp. */
export interface GrokMatcher {
  /** The pattern as written. */
  readonly pattern: string
  /** Whether it is anchored at the start of the line (`^...` without a top-level `|`): one attempt per line. */
  readonly anchored: boolean
  /** The RegExp it compiled to (named groups `__pbN` are the fields). */
  readonly regex: RegExp
  /** The field names, in pattern order. */
  readonly fields: readonly string[]
  /** Parses a line; a line that does not match is a failure, never a throw. */
  parse(line: string): ParseResult<GrokFields>
}

type Conversion = 'int' | 'float' | undefined
interface Field {
  group: string
  name: string
  type: Conversion
}

const REFERENCE = /%\{([^{}]*)\}/g
const REFERENCE_AT = /%\{[^{}]*\}/y
const NAME = /^[A-Za-z0-9_]+$/
const GROUP = '__pb'

/** `grok pattern "%{FOO:x}" at column 12: unknown pattern name FOO (known: ...)`. */
function compileError(part: string, column: number, why: string): Error {
  return new Error(`grok pattern "${part}" at column ${column}: ${why}`)
}

/** Up to 20 characters of the pattern from a column, to quote in an error. */
const excerpt = (pattern: string, at: number) =>
  pattern.length - at > 20 ? `${pattern.slice(at, at + 20)}...` : pattern.slice(at)

/** Finds an unbalanced `(` or `)` in the user's own regex text, for an error that points at it. */
function unbalanced(pattern: string): { column: number; char: string } | undefined {
  const open: number[] = []
  let inClass = false
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === '\\') i++
    else if (inClass) inClass = c !== ']'
    else if (c === '[') inClass = true
    else if (c === '%' && pattern[i + 1] === '{') {
      const end = pattern.indexOf('}', i)
      if (end > 0) i = end
    } else if (c === '(') open.push(i)
    else if (c === ')' && open.pop() === undefined) return { column: i + 1, char: ')' }
  }
  const first = open[0]
  return first === undefined ? undefined : { column: first + 1, char: '(' }
}

/**
 * Is a regular expression anchored at the start: does it begin with `^` and have no `|`
 * outside groups (where another alternative could match anywhere)?
 */
function anchoredAtStart(source: string): boolean {
  if (!source.startsWith('^')) return false
  let depth = 0
  let inClass = false
  for (let i = 1; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') i++
    else if (inClass) inClass = c !== ']'
    else if (c === '[') inClass = true
    else if (c === '(') depth++
    else if (c === ')') depth--
    else if (c === '|' && depth === 0) return false
  }
  return true
}

/**
 * Compiles a grok pattern such as `%{IP:client} %{WORD:method} %{URIPATHPARAM:path}` once, to
 * one native RegExp. A reference is `%{NAME}`, `%{NAME:field}` or `%{NAME:field:int|float}`;
 * regular expression text around references is kept as is (`(?<field>...)` named groups become
 * fields too). Like Logstash, the pattern may match anywhere in the line: anchor it with `^` and
 * `$` to match whole lines, which is also faster on noise. An unanchored pattern searches lines
 * of up to `maxSearchLength` characters (2048 by default; see {@link GrokOptions}): a longer
 * line is a failure that says so, because such a search can take time quadratic in the length.
 * Anchored patterns take lines of any length.
 *
 * A pattern that cannot compile throws an Error naming the part and its column: that is a bug
 * in the transform, not bad data.
 *
 * @example
 * const access = compileGrok('^%{IPORHOST:client} %{WORD:method} %{URIPATHPARAM:path} %{NUMBER:ms:float}$')
 * const r = access.parse('10.0.0.1 GET /cart?id=3 0.043')
 * // { ok: true, value: { client: '10.0.0.1', method: 'GET', path: '/cart?id=3', ms: 0.043 } }
 */
export function compileGrok(pattern: string, options: GrokOptions = {}): GrokMatcher {
  const maxSearchLength = options.maxSearchLength ?? GROK_MAX_SEARCH_LENGTH
  if (!Number.isSafeInteger(maxSearchLength) || maxSearchLength < 1)
    throw new Error(
      `grok maxSearchLength must be a whole number of characters, 1 or more, got ${maxSearchLength}`,
    )
  for (let at = pattern.indexOf('%{'); at >= 0; at = pattern.indexOf('%{', at + 2)) {
    REFERENCE_AT.lastIndex = at
    if (!REFERENCE_AT.test(pattern))
      throw compileError(
        excerpt(pattern, at),
        at + 1,
        '%{ is not closed by a } before the next %{ or the end',
      )
  }
  const fields: Field[] = []
  // `outer` is the user's reference a library definition was expanded from: errors point there.
  const expand = (text: string, depth: number, outer: { part: string; column: number } | undefined): string =>
    text.replace(REFERENCE, (whole: string, body: string, at: number) => {
      const where = outer ?? { part: whole, column: at + 1 }
      const error = (why: string) => compileError(where.part, where.column, why)
      const [name = '', field, type, ...extra] = body.split(':')
      if (!NAME.test(name)) throw error('expected %{NAME}, %{NAME:field} or %{NAME:field:int|float}')
      const definition = Object.hasOwn(GROK_PATTERNS, name) ? GROK_PATTERNS[name] : undefined
      if (definition === undefined)
        throw error(`unknown pattern name ${name} (known: ${GROK_PATTERN_NAMES.join(', ')})`)
      if (field === '') throw error('empty field name')
      if (extra.length > 0 || (type !== undefined && type !== 'int' && type !== 'float'))
        throw error(`unknown type "${[type, ...extra].join(':')}" (use int or float)`)
      if (depth > 24) throw error('patterns nest too deeply (a cycle?)')
      const inner = expand(definition, depth + 1, where)
      if (field === undefined) return `(?:${inner})`
      const group = `${GROUP}${fields.length}`
      fields.push({ group, name: field, type: type as Conversion })
      return `(?<${group}>${inner})`
    })
  const source = expand(pattern, 0, undefined)
  let regex: RegExp
  try {
    regex = new RegExp(source)
  } catch (error) {
    const bad = unbalanced(pattern)
    if (bad !== undefined)
      throw compileError(excerpt(pattern, bad.column - 1), bad.column, `unbalanced ${bad.char}`)
    throw new Error(
      `grok pattern "${pattern}" is not a valid regular expression: ${(error as Error).message}`,
    )
  }
  // The user's own named groups are fields too.
  for (const [, name] of pattern.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g))
    if (!name!.startsWith(GROUP)) fields.push({ group: name!, name: name!, type: undefined })
  const names = [...new Set(fields.map((f) => f.name))]
  const shown = pattern.length > 60 ? `${pattern.slice(0, 60)}...` : pattern
  const noMatch = constantFailure(`the line does not match ${shown}`)
  const anchored = anchoredAtStart(source)
  const tooLong = (length: number) =>
    fail(
      `the line is ${length} characters, longer than the ${maxSearchLength} an unanchored grok pattern searches (${shown}): anchor the pattern with ^ to parse longer lines, or raise maxSearchLength`,
    )
  return {
    pattern,
    anchored,
    regex,
    fields: names,
    parse(line: string): ParseResult<GrokFields> {
      if (!anchored && line.length > maxSearchLength) return tooLong(line.length)
      const m = regex.exec(line)
      if (m === null) return noMatch
      const out: GrokFields = {}
      const groups = m.groups
      if (groups === undefined) return ok(out)
      for (const { group, name, type } of fields) {
        const text = groups[group]
        if (text === undefined) continue
        if (type === undefined) out[name] = text
        else {
          const n = type === 'int' ? Number.parseInt(text, 10) : Number.parseFloat(text)
          out[name] = Number.isNaN(n) ? text : n
        }
      }
      return ok(out)
    },
  }
}

const CACHE_SIZE = 256
const cache = new Map<string, GrokMatcher>()

/**
 * Parses a line with a grok pattern; each distinct pattern compiles once (an internal cache of
 * the last 256 patterns). See {@link compileGrok} for the syntax, the errors and the options.
 *
 * @example
 * parseGrok('55.3.244.1 GET /index.html 15824 0.043',
 *   '%{IP:client} %{WORD:method} %{URIPATHPARAM:request} %{NUMBER:bytes:int} %{NUMBER:duration:float}')
 * // { ok: true, value: { client: '55.3.244.1', method: 'GET', request: '/index.html', bytes: 15824, duration: 0.043 } }
 */
export function parseGrok(line: string, pattern: string, options?: GrokOptions): ParseResult<GrokFields> {
  const key = options?.maxSearchLength === undefined ? pattern : `${options.maxSearchLength}\u0000${pattern}`
  let matcher = cache.get(key)
  if (matcher === undefined) {
    matcher = compileGrok(pattern, options)
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!)
    cache.set(key, matcher)
  }
  return matcher.parse(line)
}

/** The pattern names `%{NAME}` may use, sorted. */
export const GROK_PATTERN_NAMES: readonly string[] = Object.freeze(Object.keys(GROK_PATTERNS).sort())
