import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

/**
 * A real HTTP server on 127.0.0.1 for delivery tests. `handler` gets the request number
 * (1-based) so a test can script "503, 503, then 200".
 */
export async function startServer(
  handler: (res: ServerResponse, n: number, req: Received) => void | Promise<void>,
) {
  const received: Received[] = []
  let inFlight = 0
  let maxInFlight = 0
  const server = createServer(async (req, res) => {
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    res.on('close', () => inFlight--)
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const entry = {
      method: req.method!,
      url: req.url!,
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
    }
    received.push(entry)
    await handler(res, received.length, entry)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    get maxInFlight() {
      return maxInFlight
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export const reply = (
  res: ServerResponse,
  status: number,
  body = '',
  headers: Record<string, string> = {},
) => {
  res.writeHead(status, headers)
  res.end(body)
}
