import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
}

/**
 * A real HTTP receiver on 127.0.0.1. `handler` answers each request; it gets the request
 * number (1-based) so a test can script "503, then 200".
 */
export async function startReceiver(handler: (res: ServerResponse, req: Received, n: number) => void) {
  const received: Received[] = []
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const entry = {
      method: req.method!,
      url: req.url!,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    }
    received.push(entry)
    handler(res, entry, received.length)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export function reply(res: ServerResponse, status: number, body = '') {
  res.writeHead(status, { 'content-type': 'text/plain' })
  res.end(body)
}
