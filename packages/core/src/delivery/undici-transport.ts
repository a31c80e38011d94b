import type { lookup as dnsLookup } from 'node:dns'
import { isIP } from 'node:net'
import { Agent, request as undiciRequest } from 'undici'
import type { HttpResponse } from '../http/http-request.ts'
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
  return {
    async send(request: WireRequest): Promise<HttpResponse> {
      // The WHATWG parser has already turned 2130706433, 0177.0.0.1 and 0x7f.1 into
      // 127.0.0.1 and [::ffff:127.0.0.1] into [::ffff:7f00:1]. Address literals never reach
      // `lookup` (net.connect skips it for them), so they are checked here; every other host
      // goes through `lookup`, which checks what it resolves to.
      const { hostname } = new URL(request.url)
      const literal = hostname.replace(/^\[|\]$/g, '')
      if (isIP(literal) !== 0) guard.check(literal, literal)
      const response = await undiciRequest(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        dispatcher: agent,
        headersTimeout: options.timeouts.headersMs,
        bodyTimeout: options.timeouts.bodyMs,
      })
      const text = await response.body.text()
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
      }
      return { status: response.statusCode, headers, body: parseBody(text, headers['content-type']) }
    },
    async close() {
      await agent.close()
    },
  }
}
