import type { HttpResponse } from '../http/http-request.ts'
import type { Transport, WireRequest } from './transport.ts'

export interface MemoryTransport extends Transport {
  /** Every request sent, in order. */
  readonly sent: WireRequest[]
}

/**
 * A transport that answers in memory: for tests, benchmarks and dry runs. The handler may
 * throw to simulate a network failure. Without a handler every request gets 200.
 *
 * @example
 * const transport = createMemoryTransport(() => ({ status: 200, headers: {}, body: undefined }))
 */
export function createMemoryTransport(
  handler: (request: WireRequest) => HttpResponse | Promise<HttpResponse> = () => ({
    status: 200,
    headers: {},
    body: undefined,
  }),
  { keep = true }: { keep?: boolean } = {},
): MemoryTransport {
  const sent: WireRequest[] = []
  return {
    sent,
    async send(request) {
      if (keep) sent.push(request)
      return handler(request)
    },
    async close() {},
  }
}
