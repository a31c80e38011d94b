import { createHmac, timingSafeEqual } from 'node:crypto'

/** The default header that carries the signature. */
export const SIGNATURE_HEADER = 'Patchbay-Signature'

/** How old (or how far in the future) a signature's timestamp may be, by default: 5 minutes. */
export const DEFAULT_TOLERANCE_SEC = 300

function digest(rawBody: string | Uint8Array, secret: string, timestamp: number): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest()
}

/**
 * The signature header value for a body: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`,
 * the scheme Stripe made familiar. The webhook destination sends it; use it in tests of
 * your receiver.
 *
 * @example
 * signPayload('{"type":"track"}', 'whsec_0123456789abcdef', 1767225600)
 * // 't=1767225600,v1=5d41...'
 */
export function signPayload(rawBody: string | Uint8Array, secret: string, timestamp: number): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0)
    throw new RangeError(`signPayload: timestamp must be whole unix seconds, got ${timestamp}`)
  return `t=${timestamp},v1=${digest(rawBody, secret, timestamp).toString('hex')}`
}

/** Why a signature was refused. */
export type SignatureFailure =
  /** No header, or an empty one. */
  | 'missing'
  /** Not `t=<digits>,v1=<64 hex>` (pairs may come in any order; unknown keys are ignored). */
  | 'malformed'
  /** The timestamp is older than the tolerance: a replay, or a request that waited too long. */
  | 'stale'
  /** The timestamp is further in the future than the tolerance: a clock problem or a forgery. */
  | 'future'
  /** No `v1` matches the body with this secret: the body was changed, or the secret is wrong. */
  | 'mismatch'

/** What {@link verifySignature} found. */
export type VerifyResult =
  | { ok: true; timestamp: number }
  | { ok: false; reason: SignatureFailure; message: string; timestamp?: number }

export interface VerifyOptions {
  /** Seconds a timestamp may differ from now, either way (default 300). */
  toleranceSec?: number
  /** The clock, in milliseconds since the epoch (default Date.now). */
  now?: () => number
}

/**
 * Checks a signed webhook request: parses `t=...,v1=...`, refuses timestamps outside the
 * tolerance (replays), and compares the HMAC with a constant-time comparison. Pass the
 * raw request body exactly as received, before any JSON parsing. `secret` may be a list,
 * to accept the old and the new secret while rotating.
 *
 * @example
 * const result = verifySignature(rawBody, req.headers['patchbay-signature'], process.env.WEBHOOK_SECRET!)
 * if (!result.ok) return res.writeHead(401).end(result.message)
 */
export function verifySignature(
  rawBody: string | Uint8Array,
  header: string | readonly string[] | null | undefined,
  secret: string | readonly string[],
  options: VerifyOptions = {},
): VerifyResult {
  const value = Array.isArray(header) ? header.join(',') : (header as string | null | undefined)
  if (!value) return { ok: false, reason: 'missing', message: 'no signature header' }

  let timestamp: number | undefined
  const signatures: Buffer[] = []
  for (const part of value.split(',')) {
    const eq = part.indexOf('=')
    if (eq < 0) return malformed(`"${part.trim().slice(0, 20)}" is not key=value`)
    const key = part.slice(0, eq).trim()
    const val = part.slice(eq + 1).trim()
    if (key === 't') {
      if (!/^\d{1,12}$/.test(val) || timestamp !== undefined)
        return malformed('t must be one whole number of unix seconds')
      timestamp = Number(val)
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/i.test(val)) return malformed('v1 must be 64 hex digits (HMAC-SHA256)')
      signatures.push(Buffer.from(val, 'hex'))
    }
  }
  if (timestamp === undefined) return malformed('no t= timestamp')
  if (signatures.length === 0) return malformed('no v1= signature')

  const tolerance = options.toleranceSec ?? DEFAULT_TOLERANCE_SEC
  const nowSec = Math.floor((options.now ?? Date.now)() / 1000)
  if (nowSec - timestamp > tolerance)
    return {
      ok: false,
      reason: 'stale',
      timestamp,
      message: `signature timestamp is ${nowSec - timestamp} s old, more than the ${tolerance} s tolerance`,
    }
  if (timestamp - nowSec > tolerance)
    return {
      ok: false,
      reason: 'future',
      timestamp,
      message: `signature timestamp is ${timestamp - nowSec} s in the future, more than the ${tolerance} s tolerance`,
    }

  const secrets = typeof secret === 'string' ? [secret] : secret
  let matched = false
  for (const key of secrets) {
    const expected = digest(rawBody, key, timestamp)
    // Every candidate is compared, so the time taken does not depend on which one matched.
    for (const candidate of signatures) if (timingSafeEqual(expected, candidate)) matched = true
  }
  if (!matched)
    return {
      ok: false,
      reason: 'mismatch',
      timestamp,
      message: 'signature does not match the body and secret',
    }
  return { ok: true, timestamp }
}

function malformed(why: string): VerifyResult {
  return { ok: false, reason: 'malformed', message: `malformed signature header: ${why}` }
}
