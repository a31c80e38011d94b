import { fail, ok, type ParseResult } from './_result.ts'

/** Options of `parseKeyValue` (Vector's `parse_key_value` parameters). */
export interface KeyValueOptions {
  /** Between pairs (default `' '`: any run of spaces and tabs). */
  fieldDelimiter?: string
  /** Between a key and its value (default `'='`). */
  keyValueDelimiter?: string
  /**
   * `'lenient'` (default) allows spaces around the key-value delimiter (`key = value`);
   * `'strict'` does not, so `key= other=1` is an empty `key` and `other`.
   */
  whitespace?: 'lenient' | 'strict'
  /** A key without a delimiter becomes `true` (default); when false such a line fails. */
  acceptStandaloneKey?: boolean
}

/** Values are strings, `true` for a standalone key, and an array when a key repeats. */
export type KeyValueFields = Record<string, string | true | string[]>

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' }
const isSpace = (c: string | undefined) => c === ' ' || c === '\t'

/** Reads a `"..."` starting at `at`; returns the text and the index after the closing quote, or -1. */
function quoted(line: string, at: number): [string, number] {
  let out = ''
  let from = at + 1
  for (let i = from; i < line.length; i++) {
    const c = line[i]
    if (c === '"') return [out + line.slice(from, i), i + 1]
    if (c === '\\' && i + 1 < line.length) {
      const next = line[i + 1]!
      out += line.slice(from, i) + (ESCAPES[next] ?? `\\${next}`)
      i++
      from = i + 1
    }
  }
  return ['', -1]
}

function add(out: KeyValueFields, key: string, value: string | true): void {
  if (!Object.hasOwn(out, key)) {
    out[key] = value
    return
  }
  if (value === true) return
  const before = out[key]!
  if (before === true) out[key] = value
  else if (Array.isArray(before)) before.push(value)
  else out[key] = [before, value]
}

/**
 * Parses `key=value` pairs (Vector's `parse_key_value`): `level=info msg="user signed in" cached`.
 * Keys and values may be quoted with `"` (escapes `\"`, `\\`, `\n`, `\t`); a key without a value
 * becomes `true`; a key that repeats collects its values in an array.
 *
 * @example
 * parseKeyValue('env:prod, region:eu-west-1, beta', { fieldDelimiter: ',', keyValueDelimiter: ':' })
 * // { ok: true, value: { env: 'prod', region: 'eu-west-1', beta: true } }
 */
export function parseKeyValue(line: string, options: KeyValueOptions = {}): ParseResult<KeyValueFields> {
  const field = options.fieldDelimiter ?? ' '
  const kv = options.keyValueDelimiter ?? '='
  const lenient = options.whitespace !== 'strict'
  const standalone = options.acceptStandaloneKey !== false
  if (field === '' || kv === '') return fail('fieldDelimiter and keyValueDelimiter must not be empty')
  const spaced = field === ' '
  const out: KeyValueFields = {}
  let count = 0
  let i = 0
  const n = line.length
  const skipSpaces = (from: number) => {
    while (isSpace(line[from])) from++
    return from
  }
  while (true) {
    i = skipSpaces(i)
    if (i >= n) break
    // the key
    let key: string
    if (line[i] === '"') {
      const [text, end] = quoted(line, i)
      if (end < 0) return fail(`unterminated quote at column ${i + 1}`)
      key = text
      i = end
    } else {
      const start = i
      while (i < n && !isSpace(line[i]) && !line.startsWith(kv, i) && !line.startsWith(field, i)) i++
      key = line.slice(start, i)
      if (key === '') return fail(`expected a key at column ${i + 1}`)
    }
    // the delimiter, or a standalone key
    let at = lenient ? skipSpaces(i) : i
    let value: string | true = true
    if (line.startsWith(kv, at)) {
      i = at + kv.length
      if (lenient) i = skipSpaces(i)
      if (line[i] === '"') {
        const [text, end] = quoted(line, i)
        if (end < 0) return fail(`unterminated quote at column ${i + 1}`)
        value = text
        i = end
      } else {
        const start = i
        if (spaced) while (i < n && !isSpace(line[i])) i++
        else {
          while (i < n && !line.startsWith(field, i)) i++
          at = i
          while (at > start && isSpace(line[at - 1])) at--
        }
        value = line.slice(start, spaced ? i : at)
      }
    } else if (!standalone) return fail(`key "${key}" has no ${kv} and standalone keys are off`)
    add(out, key, value)
    count++
    // the field delimiter, or the end
    const next = skipSpaces(i)
    if (next >= n) break
    if (spaced) {
      if (next === i) return fail(`expected a space at column ${i + 1}`)
      i = next
    } else {
      if (!line.startsWith(field, next)) return fail(`expected "${field}" at column ${next + 1}`)
      i = next + field.length
    }
  }
  if (count === 0) return fail('no key=value pairs')
  return ok(out)
}

/**
 * Parses a logfmt line (Vector's `parse_logfmt`): space-separated `key=value`, quoted values,
 * standalone keys as `true`, and `key=` as an empty value.
 *
 * @example
 * parseLogfmt('level=info msg="user \\"ada\\" signed in" cached dur=12ms')
 * // { ok: true, value: { level: 'info', msg: 'user "ada" signed in', cached: true, dur: '12ms' } }
 */
export function parseLogfmt(line: string): ParseResult<KeyValueFields> {
  return parseKeyValue(line, { whitespace: 'strict' })
}
