/** Replaces secret values (and credential headers) before anything is logged or recorded. */
export interface Redactor {
  /** The string with every secret value replaced by `[redacted]`. */
  string(text: string): string
  /** Headers with credential headers blanked and secret values replaced. */
  headers(headers: Record<string, string> | undefined): Record<string, string> | undefined
  /** A deep copy of a JSON-like value with secrets replaced in every string. */
  value<T>(value: T): T
}

export const REDACTED = '[redacted]'

/** Headers that carry credentials whatever their value looks like (Basic auth is base64). */
const CREDENTIAL_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'x-auth-token',
])

/**
 * Builds a redactor for a set of secret values (from `collectSecrets` on a config).
 * Values shorter than 4 characters are ignored: replacing them would shred every message.
 * The base64 form of each secret is replaced too, as it appears in Basic auth and tokens.
 */
export function createRedactor(secrets: Iterable<string>): Redactor {
  const needles = new Set<string>()
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < 4) continue
    needles.add(secret)
    needles.add(Buffer.from(secret).toString('base64').replace(/=+$/, ''))
    needles.add(encodeURIComponent(secret))
  }
  const ordered = [...needles].sort((a, b) => b.length - a.length)
  const pattern = ordered.length ? new RegExp(ordered.map(escapeRegExp).join('|'), 'g') : undefined
  const string = (text: string) => (pattern ? text.replace(pattern, REDACTED) : text)

  const value = <T>(input: T): T => {
    if (typeof input === 'string') return string(input) as T
    if (Array.isArray(input)) return input.map(value) as T
    if (input && typeof input === 'object' && !(input instanceof Uint8Array)) {
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(input)) out[string(k)] = value(v)
      return out as T
    }
    return input
  }

  return {
    string,
    value,
    headers(headers) {
      if (!headers) return headers
      const out: Record<string, string> = {}
      for (const [name, v] of Object.entries(headers))
        out[name] = CREDENTIAL_HEADERS.has(name.toLowerCase()) ? REDACTED : string(v)
      return out
    },
  }
}

function escapeRegExp(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
