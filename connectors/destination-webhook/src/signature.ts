import { createHmac, timingSafeEqual } from 'node:crypto'
import { MESSAGE_ID_HEADER } from './headers.ts'

/** The default header that carries the signature. */
export const SIGNATURE_HEADER = 'Patchbay-Signature'

/** How old (or how far in the future) a signature's timestamp may be, by default: 5 minutes. */
export const DEFAULT_TOLERANCE_SEC = 300

/** What a v2 signature covers, besides the timestamp. */
export interface SignedRequest {
  /** The HTTP method (`POST`, `GET`, ...); compared upper-cased. */
  method: string
  /**
   * The request target as sent and received: path and query (`/hooks/in?user=u-1`), which is
   * `req.url` in a Node server. An absolute URL is reduced to its path and query.
   */
  target: string
  /** The `x-patchbay-message-id` header; absent (signed as empty) for batch requests. */
  messageId?: string | null
  /** The raw body; absent or empty for GET and DELETE. */
  body?: string | Uint8Array | null
}

const LINE_BREAK = /[\r\n]/

/** Path and query of a target: itself when it is origin-form (`/a?b`), else of the URL. */
function requestTarget(target: string): string {
  if (target.startsWith('/')) return target
  try {
    const url = new URL(target)
    return `${url.pathname}${url.search}`
  } catch {
    return target
  }
}

function checkSecrets(secrets: readonly unknown[], fn: string): asserts secrets is readonly string[] {
  if (secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.length === 0))
    throw new TypeError(
      `${fn}: the secret is empty; an empty HMAC key lets anyone sign. Pass the shared secret (signing.secret).`,
    )
}

/**
 * The v2 signed content, one field per line, the body last: `v2`, message id, timestamp,
 * method, path and query, body. No field but the body can hold a line break (HTTP forbids them
 * in header values, methods and request targets), so the encoding is unambiguous.
 */
function digestV2(request: SignedRequest, secret: string, timestamp: number): Buffer {
  const method = request.method.toUpperCase()
  const target = requestTarget(request.target)
  const messageId = request.messageId ?? ''
  for (const [name, value] of [
    ['method', method],
    ['target', target],
    ['messageId', messageId],
  ] as const)
    if (LINE_BREAK.test(value)) throw new TypeError(`signature: ${name} must not contain a line break`)
  return createHmac('sha256', secret)
    .update(`v2\n${messageId}\n${timestamp}\n${method}\n${target}\n`)
    .update(request.body ?? '')
    .digest()
}

function digestV1(rawBody: string | Uint8Array, secret: string, timestamp: number): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest()
}

function checkTimestamp(timestamp: number, fn: string) {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0)
    throw new RangeError(`${fn}: timestamp must be whole unix seconds, got ${timestamp}`)
}

/**
 * The signature header for a request: `t=<unix seconds>,v2=<hex HMAC-SHA256>` over the
 * message id, timestamp, method, path and query, and body (like Standard Webhooks, which signs
 * `id.timestamp.body`, plus the method and target so a request cannot be replayed to another
 * path or with another query). The webhook destination sends it; use it in tests of your
 * receiver. With `legacyV1`, a `v1=` signature of the old scheme is added for receivers that
 * have not upgraded.
 *
 * @example
 * signRequest({ method: 'POST', target: '/hooks/in', messageId: 'm-1', body: '{"type":"track"}' }, secret, 1767225600)
 * // 't=1767225600,v2=9a0c...'
 */
export function signRequest(
  request: SignedRequest,
  secret: string,
  timestamp: number,
  options: { legacyV1?: boolean } = {},
): string {
  checkSecrets([secret], 'signRequest')
  checkTimestamp(timestamp, 'signRequest')
  const v2 = digestV2(request, secret, timestamp).toString('hex')
  const v1 = options.legacyV1 ? `,v1=${digestV1(request.body ?? '', secret, timestamp).toString('hex')}` : ''
  return `t=${timestamp},v2=${v2}${v1}`
}

/**
 * The **v1** signature of a body: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`.
 *
 * @deprecated v1 covers neither the message id nor the method, path and query: a GET carries
 * one signature for every query, and a POST verifies when replayed to another path. Use
 * {@link signRequest}; {@link verifySignature} accepts v1 only with `acceptV1`.
 */
export function signPayload(rawBody: string | Uint8Array, secret: string, timestamp: number): string {
  checkSecrets([secret], 'signPayload')
  checkTimestamp(timestamp, 'signPayload')
  return `t=${timestamp},v1=${digestV1(rawBody, secret, timestamp).toString('hex')}`
}

/** Why a signature was refused. */
export type SignatureFailure =
  /** No header, or an empty one. */
  | 'missing'
  /** Not `t=<digits>,v2=<64 hex>` (pairs may come in any order; unknown keys are ignored). */
  | 'malformed'
  /** The timestamp is older than the tolerance: a replay, or a request that waited too long. */
  | 'stale'
  /** The timestamp is further in the future than the tolerance: a clock problem or a forgery. */
  | 'future'
  /** Only v1 signatures, and `acceptV1` is not set: the sender uses the old scheme. */
  | 'legacy'
  /** A v2 signature, but the verifier was not given the method and target to check it with. */
  | 'incomplete'
  /** No signature matches the request with this secret: something was changed, or the secret is wrong. */
  | 'mismatch'

/** What {@link verifySignature} found. */
export type VerifyResult =
  | { ok: true; timestamp: number; version: 'v1' | 'v2' }
  | { ok: false; reason: SignatureFailure; message: string; timestamp?: number }

export interface VerifyOptions {
  /** The request's method (`req.method`). Needed for v2. */
  method?: string
  /** The request's path and query as received (`req.url`). Needed for v2. */
  target?: string
  /** The `x-patchbay-message-id` header as received (absent for batches). */
  messageId?: string | readonly string[] | null
  /** Seconds a timestamp may differ from now, either way (default 300): finite, not negative. */
  toleranceSec?: number
  /** The clock, in milliseconds since the epoch (default Date.now). */
  now?: () => number
  /**
   * Also accept v1 signatures (`"t.body"` only) while senders migrate. Off by default: a v1
   * signature can be replayed to another path, with another message id, or (for GET) with
   * another query.
   */
  acceptV1?: boolean
}

/**
 * Checks a signed webhook request: parses `t=...,v2=...`, refuses timestamps outside the
 * tolerance (replays), and compares the HMAC of the message id, timestamp, method, path and
 * query, and body with a constant-time comparison. Pass the raw request body exactly as
 * received, before any JSON parsing. `secret` may be a list, to accept the old and the new
 * secret while rotating. An empty secret or a tolerance that is not a finite, non-negative
 * number throws.
 *
 * @example
 * const result = verifySignature(rawBody, req.headers['patchbay-signature'], process.env.WEBHOOK_SECRET!, {
 *   method: req.method, target: req.url, messageId: req.headers['x-patchbay-message-id'],
 * })
 * if (!result.ok) return res.writeHead(401).end(result.message)
 */
export function verifySignature(
  rawBody: string | Uint8Array,
  header: string | readonly string[] | null | undefined,
  secret: string | readonly string[],
  options: VerifyOptions = {},
): VerifyResult {
  const secrets = typeof secret === 'string' ? [secret] : [...secret]
  checkSecrets(secrets, 'verifySignature')
  const tolerance = options.toleranceSec ?? DEFAULT_TOLERANCE_SEC
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0)
    throw new RangeError(
      `verifySignature: toleranceSec must be a finite number of seconds, 0 or more, got ${String(tolerance)}`,
    )

  const value = Array.isArray(header) ? header.join(',') : (header as string | null | undefined)
  if (!value) return { ok: false, reason: 'missing', message: 'no signature header' }

  let timestamp: number | undefined
  const signatures = { v1: [] as Buffer[], v2: [] as Buffer[] }
  for (const part of value.split(',')) {
    const eq = part.indexOf('=')
    if (eq < 0) return malformed(`"${part.trim().slice(0, 20)}" is not key=value`)
    const key = part.slice(0, eq).trim()
    const val = part.slice(eq + 1).trim()
    if (key === 't') {
      if (!/^\d{1,12}$/.test(val) || timestamp !== undefined)
        return malformed('t must be one whole number of unix seconds')
      timestamp = Number(val)
    } else if (key === 'v1' || key === 'v2') {
      if (!/^[0-9a-f]{64}$/i.test(val)) return malformed(`${key} must be 64 hex digits (HMAC-SHA256)`)
      signatures[key].push(Buffer.from(val, 'hex'))
    }
  }
  if (timestamp === undefined) return malformed('no t= timestamp')
  if (signatures.v1.length === 0 && signatures.v2.length === 0) return malformed('no v2= signature')

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

  // A v2 signature is judged as v2 only: stripping it to fall back on v1 gains nothing.
  const version = signatures.v2.length > 0 ? 'v2' : 'v1'
  if (version === 'v1' && !options.acceptV1)
    return {
      ok: false,
      reason: 'legacy',
      timestamp,
      message:
        'only a v1 signature, which does not cover the message id, method, path or query; upgrade the sender (or pass acceptV1 while migrating)',
    }
  if (version === 'v2' && (options.method === undefined || options.target === undefined))
    return {
      ok: false,
      reason: 'incomplete',
      timestamp,
      message:
        'a v2 signature covers the method, path and query: pass { method, target } (req.method, req.url)',
    }
  const messageId = Array.isArray(options.messageId)
    ? options.messageId.join(', ')
    : (options.messageId as string | null | undefined)
  const request: SignedRequest = {
    method: options.method ?? '',
    target: options.target ?? '',
    messageId,
    body: rawBody,
  }

  let matched = false
  for (const key of secrets) {
    let expected: Buffer
    try {
      expected = version === 'v2' ? digestV2(request, key, timestamp) : digestV1(rawBody, key, timestamp)
    } catch {
      break // a line break in what was received: it cannot have been signed
    }
    // Every candidate is compared, so the time taken does not depend on which one matched.
    for (const candidate of signatures[version]) if (timingSafeEqual(expected, candidate)) matched = true
  }
  if (!matched)
    return {
      ok: false,
      reason: 'mismatch',
      timestamp,
      message:
        version === 'v2'
          ? 'signature does not match the request (message id, method, path and query, body) and secret'
          : 'signature does not match the body and secret',
    }
  return { ok: true, timestamp, version }
}

/** The parts of a received request that {@link verifyRequest} reads (a Node IncomingMessage fits). */
export interface ReceivedRequest {
  method?: string
  url?: string
  headers: Record<string, string | readonly string[] | undefined>
}

/**
 * {@link verifySignature} for a Node request: reads the method, the path and query, the
 * signature header (`header`, default `patchbay-signature`) and `x-patchbay-message-id`.
 *
 * @example
 * const result = verifyRequest(req, rawBody, process.env.WEBHOOK_SECRET!)
 */
export function verifyRequest(
  req: ReceivedRequest,
  rawBody: string | Uint8Array,
  secret: string | readonly string[],
  options: Omit<VerifyOptions, 'method' | 'target' | 'messageId'> & { header?: string } = {},
): VerifyResult {
  const { header = SIGNATURE_HEADER, ...rest } = options
  return verifySignature(rawBody, req.headers[header.toLowerCase()], secret, {
    ...rest,
    method: req.method ?? '',
    target: req.url ?? '',
    messageId: req.headers[MESSAGE_ID_HEADER],
  })
}

function malformed(why: string): VerifyResult {
  return { ok: false, reason: 'malformed', message: `malformed signature header: ${why}` }
}
