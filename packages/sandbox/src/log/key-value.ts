import { fail, ok, type ParseResult } from './_result.ts'

export interface KeyValueOptions {
  /** Between pairs (default: whitespace). */
  fieldDelimiter?: string
  /** Between a key and its value (default `=`). */
  keyValueDelimiter?: string
  /** Keys without a value become `true` (default true); otherwise they are skipped. */
  acceptStandaloneKey?: boolean
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const cache = new Map<string, RegExp>()

function tokenizer(field: string | undefined, kv: string): RegExp {
  const id = `${field ?? ''}\u0000${kv}`
  let re = cache.get(id)
  if (!re) {
    const sep = field === undefined ? '\\s+' : escapeRegExp(field)
    const stop = field === undefined ? '\\s' : escapeRegExp(field)
    // key (=value | ="quoted") ; quoted values may contain the delimiters and \" escapes
    re = new RegExp(
      `(?:^|${sep})([^${stop}${escapeRegExp(kv)}"]+)(?:${escapeRegExp(kv)}(?:"((?:[^"\\\\]|\\\\.)*)"|((?:(?!${sep}).)*)))?`,
      'gy',
    )
    cache.set(id, re)
  }
  re.lastIndex = 0
  return re
}

/**
 * Parses `key=value` pairs (Vector's parse_key_value): `level=info msg="user signed in" ok`.
 * Quoted values may hold spaces and `\"`; a key without a value becomes `true`.
 */
export function parseKeyValue(
  line: string,
  options: KeyValueOptions = {},
): ParseResult<Record<string, string | true>> {
  const { fieldDelimiter, keyValueDelimiter = '=', acceptStandaloneKey = true } = options
  const text = fieldDelimiter === undefined ? line.trim() : line
  const re = tokenizer(fieldDelimiter, keyValueDelimiter)
  const out: Record<string, string | true> = {}
  let count = 0
  let end = 0
  for (let m = re.exec(text); m !== null && m[0] !== ''; m = re.exec(text)) {
    end = re.lastIndex
    const key = m[1]!.trim()
    if (m[2] !== undefined) out[key] = m[2].replace(/\\(["\\])/g, '$1')
    else if (m[3] !== undefined) out[key] = m[3]
    else if (acceptStandaloneKey) out[key] = true
    else continue
    count++
  }
  if (count === 0 || end < text.length) return fail('not a key=value line')
  return ok(out)
}

/** Parses a logfmt line (`parseKeyValue` with logfmt's defaults). */
export function parseLogfmt(line: string): ParseResult<Record<string, string | true>> {
  return parseKeyValue(line)
}

/** Parses a JSON line; anything but a JSON object is a failure. */
export function parseJsonLine(line: string): ParseResult<Record<string, unknown>> {
  try {
    const value = JSON.parse(line)
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return fail('the line is JSON but not an object')
    return ok(value as Record<string, unknown>)
  } catch (error) {
    return fail(`not JSON: ${(error as Error).message}`)
  }
}
