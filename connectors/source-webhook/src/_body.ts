import { type InboundRequest, InvalidEventError } from '@patchbay/core'

/** The request body as JSON, or a clear 400-style error; size checked on the raw bytes. */
export function readJsonBody(request: InboundRequest, maxBytes: number, plugin: string): unknown {
  const size =
    request.rawBody?.byteLength ??
    (typeof request.body === 'string' ? Buffer.byteLength(request.body) : undefined) ??
    Buffer.byteLength(JSON.stringify(request.body ?? null))
  if (size > maxBytes) {
    throw new InvalidEventError(`the request body is ${size} bytes, more than maxBodyBytes (${maxBytes})`, {
      code: 'PB_EVENT_TOO_LARGE',
      plugin,
      details: { status: 400, bytes: size, maxBytes },
      hint: 'Send smaller payloads, or raise maxBodyBytes in the source config.',
    })
  }
  let body = request.body
  if (body === undefined || body === null || body === '') {
    if (request.rawBody && request.rawBody.byteLength > 0)
      body = Buffer.from(request.rawBody).toString('utf8')
    else throw invalid('the request has no body; send a JSON object or array', plugin)
  }
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8')
    try {
      return JSON.parse(text)
    } catch (error) {
      throw invalid(`the request body is not JSON (${(error as Error).message})`, plugin)
    }
  }
  return body
}

function invalid(message: string, plugin: string) {
  return new InvalidEventError(message, {
    plugin,
    details: { status: 400 },
    hint: 'Send a JSON body with content-type: application/json.',
  })
}
