import {
  AbortedError,
  ConfigurationError,
  createRedactor,
  type PatchbayError,
  RetryableError,
} from '@patchbay/core'

/** Node socket errors: the server is down or the network failed; another attempt may work. */
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
])

/**
 * A pg error as a PatchbayError, by SQLSTATE class: connection (08), resources (53),
 * operator intervention (57), transaction rollback (40) and lock waits (55P03) are
 * retryable; authentication (28), a missing database (3D) and permissions (42501) are
 * configuration; data errors (22, 23) abort the event. The password of the connection string
 * is redacted from the message even when the driver quotes it alone.
 */
export function classifyPgError(error: unknown, connectionString: string): PatchbayError {
  // Drivers throw Errors, but a thrown undefined, null or string must classify too.
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown
    message?: unknown
  }
  const password = passwordOf(connectionString)
  const redact = createRedactor(password ? [password, connectionString] : [connectionString])
  const text = typeof e.message === 'string' ? e.message : String(error)
  const message = redact.string(`PostgreSQL: ${text}`)
  const code = typeof e.code === 'string' ? e.code : ''
  const out =
    NETWORK.has(code) ||
    /^(08|53|57|40)/.test(code) ||
    code === '55P03' ||
    /terminat|Connection ended|timeout|ECONNREFUSED/i.test(text)
      ? new RetryableError(message, { cause: error })
      : /^(28|3D)/.test(code) || code === '42501'
        ? new ConfigurationError(message, {
            cause: error,
            hint: 'Check the connectionString: user, password, database and the grants on the schema.',
          })
        : new AbortedError(message, { cause: error, details: { sqlstate: code } })
  return redact.error(out)
}

function passwordOf(connectionString: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(connectionString).password)
    return password === '' ? undefined : password
  } catch {
    return undefined
  }
}
