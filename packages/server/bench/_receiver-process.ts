// A receiver for the gateway benchmark, in its own process: it answers 200 to every request
// and counts the events it got (a JSON array body counts its length). GET /count reports.
import { createServer } from 'node:http'

let events = 0
let requests = 0
const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ events, requests }))
    return
  }
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const body = Buffer.concat(chunks)
    requests++
    events += body[0] === 0x5b ? (JSON.parse(body.toString('utf8')) as unknown[]).length : 1
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number }
  process.stdout.write(`ready http://127.0.0.1:${address.port}\n`)
})
