import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A request the local receiver got. */
export interface ReceivedRequest {
  method: string
  path: string
  headers: Record<string, string>
  body: string
}

/** A local HTTP receiver on 127.0.0.1 that accepts everything and remembers it. */
export interface Receiver {
  url: string
  received: ReceivedRequest[]
  close(): Promise<void>
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/**
 * Starts the receiver `patchbay run --receiver` and `patchbay dev` point destinations at.
 * It answers 200 `{"ok":true}` and calls `onRequest` for each request.
 */
export async function startReceiver(
  onRequest: (r: ReceivedRequest) => void = () => {},
  port = 0,
): Promise<Receiver> {
  const received: ReceivedRequest[] = []
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req)
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
    )
    const entry = { method: req.method ?? 'GET', path: req.url ?? '/', headers, body }
    received.push(entry)
    onRequest(entry)
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const { port: bound } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${bound}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** One line describing a received request: `POST /hooks  track "Order Completed"  (412 B)`. */
export function describeReceived(r: ReceivedRequest): string {
  let what = ''
  try {
    const body = JSON.parse(r.body) as unknown
    const events = Array.isArray(body) ? body : [body]
    what = events
      .slice(0, 3)
      .map((e) => {
        const ev = e as { type?: string; event?: string; name?: string }
        return ev.type ? `${ev.type}${ev.event ? ` "${ev.event}"` : ev.name ? ` "${ev.name}"` : ''}` : 'json'
      })
      .join(', ')
    if (events.length > 3) what += `, … (${events.length} events)`
  } catch {
    what = r.body ? 'text' : 'no body'
  }
  return `${r.method} ${r.path}  ${what}  (${Buffer.byteLength(r.body)} B)`
}
