import { GROK_PATTERNS } from './_grok-patterns.ts'
import { fail, ok, type ParseResult } from './_result.ts'

type Conversion = 'int' | 'float' | undefined

/** A grok pattern compiled once to a native RegExp. */
export interface GrokMatcher {
  readonly pattern: string
  readonly regex: RegExp
  /** Parses a line; a line that does not match is a failure, never a throw. */
  parse(line: string): ParseResult<Record<string, string | number>>
}

const REFERENCE = /%\{(\w+)(?::([\w.@-]+))?(?::(int|float))?\}/g

/**
 * Compiles a grok pattern such as `%{IP:client} %{WORD:method} %{URIPATHPARAM:path}` once.
 * Fields may convert: `%{NUMBER:bytes:int}`, `%{NUMBER:ms:float}`. A pattern that cannot
 * compile throws (a programming error, not bad data) and names the part and its column.
 */
export function compileGrok(pattern: string): GrokMatcher {
  const fields: Array<{ name: string; type: Conversion }> = []
  const expand = (text: string, depth: number, offset: number | undefined): string => {
    if (depth > 20) throw new Error(`grok pattern "${pattern}": patterns nest too deeply (a cycle?)`)
    return text.replace(
      REFERENCE,
      (whole, name: string, field: string | undefined, type: Conversion, at: number) => {
        const definition = GROK_PATTERNS[name]
        if (definition === undefined) {
          const column = offset === undefined ? at + 1 : offset
          throw new Error(
            `grok pattern "${whole}" at column ${column}: unknown pattern name ${name} (known: ${Object.keys(GROK_PATTERNS).sort().join(', ')})`,
          )
        }
        const inner = expand(definition, depth + 1, offset ?? at + 1)
        if (field === undefined) return `(?:${inner})`
        fields.push({ name: field, type })
        return `(?<g${fields.length - 1}>${inner})`
      },
    )
  }
  const source = expand(pattern, 0, undefined)
  let regex: RegExp
  try {
    regex = new RegExp(`^${source}$`)
  } catch (error) {
    throw new Error(
      `grok pattern "${pattern}" is not a valid regular expression: ${(error as Error).message}`,
    )
  }
  return {
    pattern,
    regex,
    parse(line) {
      const m = regex.exec(line)
      if (!m?.groups) return m ? ok({}) : fail(`the line does not match ${pattern}`)
      const out: Record<string, string | number> = {}
      for (const [i, { name, type }] of fields.entries()) {
        const value = m.groups[`g${i}`]
        if (value === undefined) continue
        out[name] =
          type === 'int' ? Number.parseInt(value, 10) : type === 'float' ? Number.parseFloat(value) : value
      }
      return ok(out)
    },
  }
}

const compiled = new Map<string, GrokMatcher>()

/** Parses a line with a grok pattern, compiling each distinct pattern once. */
export function parseGrok(line: string, pattern: string): ParseResult<Record<string, string | number>> {
  let matcher = compiled.get(pattern)
  if (!matcher) {
    matcher = compileGrok(pattern)
    compiled.set(pattern, matcher)
  }
  return matcher.parse(line)
}

/** The pattern names `%{NAME}` may use. */
export const GROK_PATTERN_NAMES: readonly string[] = Object.keys(GROK_PATTERNS).sort()
