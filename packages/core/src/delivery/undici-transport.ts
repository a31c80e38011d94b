import type { lookup as dnsLookup } from 'node:dns'
import { Agent, type Dispatcher, request as undiciRequest } from 'undici'
import type { HttpResponse } from '../http/http-request.ts'
import { urlTarget } from './_url-target.ts'
import type { DeliveryOptions } from './delivery-options.ts'
import { createEgressGuard, type EgressPolicy } from './egress.ts'
import { parseBody, type Transport, type WireRequest } from './transport.ts'

export interface UndiciTransportOptions {
  timeouts: DeliveryOptions['timeouts']
  /** Connections per origin (keep-alive pool size); match the destination's concurrency. */
  connections: number
  egress?: EgressPolicy
  /** Names the destination in errors. */
  label?: string
  /**
   * The resolver behind the egress check (default `dns.lookup`). Whatever it answers is
   * checked at connect time, so a custom resolver cannot bypass the egress policy.
   */
  lookup?: typeof dnsLookup
}

/** Address literals the egress policy allowed, kept at most (past it the set starts again). */
const MAX_ALLOWED_LITERALS = 256

/**
 * HTTP over undici: one Agent per destination, which keeps a keep-alive pool per origin.
 * Connect, headers and body timeouts come from the delivery options; every resolved
 * address is checked against the egress policy before connecting.
 */
export function createUndiciTransport(options: UndiciTransportOptions): Transport {
  const guard = createEgressGuard(options.egress, options.label, { lookup: options.lookup })
  const agent = new Agent({
    connections: options.connections,
    keepAliveTimeout: 30_000,
    headersTimeout: options.timeouts.headersMs,
    bodyTimeout: options.timeouts.bodyMs,
    connect: { timeout: options.timeouts.connectMs, lookup: guard.lookup },
  })
  // The policy is fixed for this transport and an address literal is the address connected
  // to (no DNS between), so an address it allowed once is allowed again. Refusals are not
  // kept: each one is checked, and thrown, again.
  const allowed = new Set<string>()
  const timeouts = { headersTimeout: options.timeouts.headersMs, bodyTimeout: options.timeouts.bodyMs }
  return {
    async send(request: WireRequest): Promise<HttpResponse> {
      // The WHATWG parser has already turned 2130706433, 0177.0.0.1 and 0x7f.1 into
      // 127.0.0.1 and [::ffff:127.0.0.1] into [::ffff:7f00:1]. Address literals never reach
      // `lookup` (net.connect skips it for them), so they are checked here; every other host
      // goes through `lookup`, which checks what it resolves to.
      const target = urlTarget(request.url)
      const literal = target.literal
      if (literal !== undefined && !allowed.has(literal)) {
        guard.check(literal, literal)
        if (allowed.size >= MAX_ALLOWED_LITERALS) allowed.clear()
        allowed.add(literal)
      }
      const answer =
        target.protocol === 'http:' || target.protocol === 'https:'
          ? await exchange(agent, {
              origin: target.origin,
              path: target.path,
              method: request.method,
              headers: request.headers,
              body: request.body,
              ...timeouts,
            })
          : // undici refuses other schemes: its own error says so, as it always did.
            await viaRequest(request, agent, timeouts)
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
      }
      return { status: answer.status, headers, body: parseBody(answer.text, headers['content-type']) }
    },
    async close() {
      await agent.close()
    },
  }
}

interface Exchanged {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

/**
 * One request through the agent's dispatcher, its response body read as UTF-8 text: what
 * undici's `request()` and `body.text()` do, without a Readable stream, an async resource
 * and two promises per request (measured on one core: `pipeline.deliver` with one request
 * per event spent 13–15 µs less CPU per event). Informational (1xx) answers are skipped as
 * `request()` skips them; every error (connect, timeouts, a reset mid-body, a refused
 * dispatch) rejects with undici's own error object, as before.
 */
function exchange(agent: Dispatcher, options: Dispatcher.DispatchOptions): Promise<Exchanged> {
  return new Promise((resolve, reject) => {
    let status = 0
    let headers: Exchanged['headers'] = {}
    const chunks: Buffer[] = []
    let length = 0
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart() {},
      onResponseStart(_controller, statusCode, responseHeaders) {
        if (statusCode < 200) return
        status = statusCode
        headers = responseHeaders as Exchanged['headers']
      },
      onResponseData(_controller, chunk) {
        chunks.push(chunk)
        length += chunk.length
      },
      onResponseEnd() {
        resolve({ status, headers, text: decodeText(chunks, length) })
      },
      onResponseError(_controller, error) {
        reject(error)
      },
    }
    agent.dispatch(options, handler)
  })
}

/** UTF-8 text of the body's bytes, a byte order mark skipped: as undici's `body.text()`. */
function decodeText(chunks: Buffer[], length: number): string {
  if (chunks.length === 0 || length === 0) return ''
  const buffer = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length)
  const start = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0
  return buffer.toString('utf8', start)
}

async function viaRequest(
  request: WireRequest,
  agent: Dispatcher,
  timeouts: { headersTimeout: number; bodyTimeout: number },
): Promise<Exchanged> {
  const response = await undiciRequest(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    dispatcher: agent,
    ...timeouts,
  })
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() }
}
