import { walkSecrets } from '../config/secret.ts'

/**
 * Secrets shorter than this many characters are not redacted: replacing every `abc` in a log
 * would shred it, and a value that short is guessable anyway. The runtime warns at config
 * load when a secret field holds one (see {@link shortSecretWarning}).
 */
export const MIN_SECRET_LENGTH = 4

/** How a secret was written on the way out. */
export type SecretFormName =
  | 'raw'
  | 'json'
  | 'json-ascii'
  | 'json-twice'
  | 'uri-component'
  | 'uri'
  | 'form-urlencoded'
  | 'base64'
  | 'base64url'
  | 'base64-uri-component'
  | 'hex'
  | 'hex-upper'

/** One spelling of a secret. */
export interface SecretForm {
  form: SecretFormName
  /** Text that appears wherever the secret was written in this form. */
  text: string
  /**
   * The alphabet of the encoding when `text` sits inside a longer run of it whose edges
   * depend on neighbouring bytes (base64 of `user:secret`): redaction blanks the whole run.
   */
  run?: RegExp
}

const BASE64_RUN = /[A-Za-z0-9+/]/
const BASE64URL_RUN = /[A-Za-z0-9_-]/

/**
 * Every form a secret takes on the way out of Patchbay: the one list that redaction
 * replaces and that leak searches (the contract harness, the leak tests) look for.
 *
 * - `raw`: as is.
 * - `json`: inside a JSON string (`JSON.stringify(secret)` without the quotes); `json-ascii`
 *   with non-ASCII as `\uXXXX` (Python's `json.dumps`); `json-twice`: JSON inside a JSON
 *   string, as an echoed body recorded in a JSON log line.
 * - `uri-component` (`encodeURIComponent`), `uri` (`encodeURI`, templated URLs) and
 *   `form-urlencoded` (`URLSearchParams`: `+` for space, `%7E` `%21` `%27` `%28` `%29`).
 * - `base64` and `base64url` (RFC 4648), found anywhere inside a longer encoded value, so
 *   `base64(user + ':' + secret)` and `base64(secret + ':')` are found for any user name: each
 *   of the three byte alignments contributes the characters that depend on the secret only.
 *   `base64-uri-component`: those, percent-encoded (base64 in a query string).
 * - `hex` and `hex-upper` of the UTF-8 bytes.
 *
 * Returns no forms for secrets shorter than {@link MIN_SECRET_LENGTH}.
 *
 * @example
 * secretForms('p@ss word').map((f) => f.text)
 * // ['p@ss word', 'p%40ss%20word', 'p%40ss+word', 'cEBzcyB3b3Jk', ...]
 */
export function secretForms(secret: string): SecretForm[] {
  if (typeof secret !== 'string' || [...secret].length < MIN_SECRET_LENGTH) return []
  const forms: SecretForm[] = []
  const seen = new Set<string>()
  const add = (form: SecretFormName, text: string | undefined, run?: RegExp) => {
    if (!text || seen.has(text)) return
    seen.add(text)
    forms.push(run ? { form, text, run } : { form, text })
  }
  const json = JSON.stringify(secret).slice(1, -1)
  add('raw', secret)
  add('json', json)
  add(
    'json-ascii',
    json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  )
  add('json-twice', JSON.stringify(json).slice(1, -1))
  add(
    'uri-component',
    attempt(() => encodeURIComponent(secret)),
  )
  add(
    'uri',
    attempt(() => encodeURI(secret)),
  )
  add('form-urlencoded', new URLSearchParams({ s: secret }).toString().slice(2))
  const bytes = Buffer.from(secret, 'utf8')
  for (const alignment of [0, 1, 2]) {
    const middle = base64Middle(bytes, alignment)
    add('base64', middle, BASE64_RUN)
    add('base64url', middle.replaceAll('+', '-').replaceAll('/', '_'), BASE64URL_RUN)
    add('base64-uri-component', encodeURIComponent(middle))
  }
  add('hex', bytes.toString('hex'))
  add('hex-upper', bytes.toString('hex').toUpperCase())
  return forms
}

/**
 * The base64 characters that depend only on `bytes` when they are encoded after `alignment`
 * bytes of anything and followed by anything: six-bit groups that straddle a neighbour are
 * left out.
 */
function base64Middle(bytes: Buffer, alignment: number): string {
  const stream = Buffer.concat([Buffer.alloc(alignment), bytes, Buffer.alloc(3)])
  const encoded = stream.toString('base64')
  const startBit = alignment * 8
  const endBit = startBit + bytes.length * 8
  const first = Math.ceil(startBit / 6)
  const last = Math.floor(endBit / 6) - 1
  return encoded.slice(first, last + 1)
}

function attempt(encode: () => string): string | undefined {
  try {
    return encode()
  } catch {
    return undefined // a lone surrogate cannot be percent-encoded, so it cannot leak that way
  }
}

/**
 * One warning per secret field of `config` whose value is too short to redact (see
 * {@link MIN_SECRET_LENGTH}). `where` names the step or plugin, e.g. `destinations.crm`.
 *
 * @example
 * shortSecretWarnings(schema, { token: 'abc' }, 'destinations.crm')
 * // ['destinations.crm: the secret at /token is shorter than 4 characters, ...']
 */
export function shortSecretWarnings(schema: unknown, config: unknown, where: string): string[] {
  const warnings: string[] = []
  walkSecrets(schema, config, (secret, path) => {
    const text = typeof secret === 'number' ? String(secret) : secret
    if (typeof text !== 'string' || text.length === 0) return
    const length = [...text].length
    if (length >= MIN_SECRET_LENGTH) return
    warnings.push(
      `${where}: the secret at ${path || '/'} is shorter than ${MIN_SECRET_LENGTH} characters, so it is not redacted from logs, errors or records (every ${length}-character match would be blanked). Use a longer secret.`,
    )
  })
  return warnings
}
