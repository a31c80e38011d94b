import '../error-codes.ts'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { gunzip, inflate } from 'node:zlib'
import { type ErrorCode, JsonInputError, PatchbayError, parseJson as parseJsonSafely } from '@patchbay/core'

/** A refusal with its HTTP status: the gateway answers it as JSON and stores nothing. */
export class IngestError extends PatchbayError {
  readonly status: number
  readonly body: Record<string, unknown>
  /** How many events the refusal turned away (a whole batch when all-or-nothing). */
  readonly events: number
  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    extra: Record<string, unknown> = {},
    events = 1,
  ) {
    super(code, message)
    this.status = status
    this.body = extra
    this.events = events
  }
}

/**
 * The client went away before its request was read to the end (a closed socket, a reset):
 * nothing was stored, nobody is left to answer, and it is neither a client error nor ours.
 */
export class RequestAborted extends Error {
  constructor(cause: unknown) {
    super('the client closed the connection before its request body was complete', { cause })
    this.name = 'RequestAborted'
  }
}

/** The longest refusal message the gateway sends; longer ones are clipped. */
export const MAX_MESSAGE_CHARS = 1_000

/** Answers with a JSON body. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  res.end(text)
}

/** `{ success: false, error: { code, message, ...details } }`: the shape of every refusal. */
export function sendRefusal(res: ServerResponse, error: IngestError, headers: Record<string, string> = {}) {
  sendJson(
    res,
    error.status,
    {
      success: false,
      error: {
        code: error.code,
        message:
          error.message.length > MAX_MESSAGE_CHARS
            ? `${error.message.slice(0, MAX_MESSAGE_CHARS)}… (clipped)`
            : error.message,
        ...error.body,
      },
    },
    headers,
  )
}

const decompress = { gzip: gunzip, deflate: inflate } as const

/**
 * Reads a request body, at most `limit` bytes both as sent and once decompressed (gzip and
 * deflate are accepted, as the SDKs compress). A larger or unreadable body is an IngestError.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  const tooLarge = () =>
    new IngestError(
      400,
      'PB_GATEWAY_BODY_TOO_LARGE',
      `the request body is larger than ${Math.round(limit / 1024)} KB: send fewer events per batch`,
    )
  if (declared > limit) throw tooLarge()
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > limit) throw tooLarge()
      chunks.push(chunk as Buffer)
    }
  } catch (error) {
    if (error instanceof IngestError) throw error
    throw new RequestAborted(error)
  }
  if (!req.complete) throw new RequestAborted(undefined)
  const raw = Buffer.concat(chunks)
  const encoding = String(req.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase()
    .slice(0, 40)
  if (encoding === 'identity' || encoding === '') return raw
  const inflater = decompress[encoding as keyof typeof decompress]
  if (!inflater)
    throw new IngestError(
      400,
      'PB_GATEWAY_BODY_INVALID',
      `Content-Encoding "${encoding}" is not supported: send gzip, deflate or an uncompressed body`,
    )
  return await new Promise<Buffer>((resolve, reject) =>
    inflater(raw, { maxOutputLength: limit }, (error, out) => {
      if (!error) return resolve(out)
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return reject(tooLarge())
      reject(
        new IngestError(
          400,
          'PB_GATEWAY_BODY_INVALID',
          `the ${encoding} body cannot be decompressed: ${error.message}`,
        ),
      )
    }),
  )
}

/**
 * Parses a JSON body with core's parseJson: invalid UTF-8 (with the offset of the bad
 * byte), nesting deeper than `maxDepth`, `__proto__`/`constructor.prototype` keys (with
 * their JSON pointer, so the event index) and syntax errors are each a 400 saying where.
 */
export function parseJson(body: Buffer, maxDepth: number): unknown {
  try {
    return parseJsonSafely(body, { maxDepth, what: 'the body' })
  } catch (error) {
    if (!(error instanceof JsonInputError)) throw error
    throw new IngestError(400, 'PB_GATEWAY_BODY_INVALID', error.message, { ...error.details })
  }
}

/** The write key of a request: HTTP Basic user name (Segment, RudderStack SDKs), or `?writeKey=`. */
export function writeKeyOf(req: IncomingMessage, url: URL): string | undefined {
  const auth = req.headers.authorization
  if (auth?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8')
    const user = decoded.split(':')[0]
    if (user) return user
  }
  return url.searchParams.get('writeKey') ?? undefined
}

/** The client address: the socket's, or the first X-Forwarded-For hop when the proxy is trusted. */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for']
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim()
    if (first) return first
  }
  const address = req.socket.remoteAddress
  return address?.startsWith('::ffff:') ? address.slice(7) : address
}
