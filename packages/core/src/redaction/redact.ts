import { scrubValue } from './_scrub-value.ts'
import { createSecretMatcher } from './secret-matcher.ts'

/** Replaces secret values (and credential headers) before anything is logged or recorded. */
export interface Redactor {
  /** The string with every form of every secret replaced by `[redacted]`. */
  string(text: string): string
  /** Headers with credential headers blanked and secret values replaced. */
  headers(headers: Record<string, string> | undefined): Record<string, string> | undefined
  /** A deep copy of a JSON-like value with secrets replaced in every string (keys included). */
  value<T>(value: T): T
  /**
   * Scrubs an error in place: message, stack, hint and details, and those of its causes
   * (and of an AggregateError's errors). Returns the same error.
   */
  error<E>(error: E): E
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
  'apikey',
  'x-auth-token',
  'x-access-token',
  'private-token',
])

/** True for a header whose value is a credential whatever it looks like. */
export function isCredentialHeader(name: string): boolean {
  const lower = name.toLowerCase()
  return CREDENTIAL_HEADERS.has(lower) || /(?:^|[-_])(?:token|secret|password|api[-_]?key)$/.test(lower)
}

/**
 * Builds a redactor for a set of secret values (from `collectSecrets` on a config). Every
 * form in {@link secretForms} is replaced: raw, JSON-escaped, both URL encodings, base64 and
 * base64url (the whole encoded value, so `Basic base64(user:secret)` loses the user too) and
 * hex. Secrets shorter than {@link MIN_SECRET_LENGTH} are not redacted.
 *
 * @example
 * const redactor = createRedactor(['s3cret-token'])
 * redactor.string('GET /?key=s3cret-token') // 'GET /?key=[redacted]'
 */
export function createRedactor(secrets: Iterable<string>): Redactor {
  const matcher = createSecretMatcher(secrets)
  const string = (text: string): string => {
    if (typeof text !== 'string') return text
    const found = matcher.matches(text)
    if (found.length === 0) return text
    let out = ''
    let at = 0
    for (const m of found) {
      out += text.slice(at, m.start) + REDACTED
      at = m.end
    }
    return out + text.slice(at)
  }

  const error = <E>(input: E, seen = new Set<unknown>()): E => {
    if (!(input instanceof Error) && !(typeof input === 'object' && input !== null && 'message' in input))
      return input
    if (seen.has(input)) return input
    seen.add(input)
    const e = input as unknown as Error & { hint?: unknown; details?: unknown; errors?: unknown }
    for (const key of ['message', 'stack', 'hint'] as const) {
      const text = e[key]
      if (typeof text === 'string' && string(text) !== text) setOwn(e, key, string(text))
    }
    if (e.details && typeof e.details === 'object') setOwn(e, 'details', scrubValue(e.details, string))
    if (e.cause !== undefined) {
      if (typeof e.cause === 'string') setOwn(e, 'cause', string(e.cause))
      else error(e.cause, seen)
    }
    if (Array.isArray(e.errors)) for (const inner of e.errors) error(inner, seen)
    return input
  }

  return {
    string,
    value: (input) => scrubValue(input, string),
    error: (input) => error(input),
    headers(headers) {
      if (!headers) return headers
      const out: Record<string, string> = {}
      for (const [name, v] of Object.entries(headers))
        out[name] = isCredentialHeader(name) ? REDACTED : string(v)
      return out
    },
  }
}

/** Replaces a property even when it is a readonly own field (PatchbayError's hint). */
function setOwn(target: object, key: string, value: unknown): void {
  try {
    const enumerable = Object.getOwnPropertyDescriptor(target, key)?.enumerable ?? false
    Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable })
  } catch {
    // A frozen error cannot be scrubbed in place; callers print `value(error)` instead.
  }
}
