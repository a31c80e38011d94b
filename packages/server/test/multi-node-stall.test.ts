import { createServer } from 'node:http'
import { type AddressInfo, connect, createServer as createTcpServer, type Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { waitFor } from './_gateway.ts'
import { basic, multiNodeOptions, outOfOrder, useMultiNodeTest } from './_multi-node.ts'

// Gateway nodes whose connections to PostgreSQL stay open with nobody answering: a node
// frozen (SIGSTOP) while it holds the processor's turn, and a network that stalls instead of
// refusing (half-open connections). Real processes, a database of each test's own.

const { closers, spawnGateway, database } = useMultiNodeTest('stall')

/** The destination: each delivery's messageId, user and `n`. */
async function startReceiver() {
  const arrivals: Array<{ id: string; user: string; n: number }> = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      arrivals.push({ id: body.messageId, user: body.userId, n: body.properties.n })
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  closers.push(() => {
    server.closeAllConnections()
    return new Promise((r) => server.close(r))
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrivals }
}

/**
 * A TCP proxy to PostgreSQL. `stall()` stops forwarding without closing anything (new
 * connections are accepted and never answered); `silence()` then closes the server side of
 * every stalled connection but leaves the gateway's side open and silent for good, as a
 * NAT or firewall that forgot the connection does, and lets new connections through.
 */
async function startStallingProxy(port: number) {
  const pairs = new Set<{ client: Socket; upstream?: Socket; silent?: boolean }>()
  let stalled = false
  const server = createTcpServer({ pauseOnConnect: true }, (client) => {
    client.on('error', () => {})
    const pair: { client: Socket; upstream?: Socket; silent?: boolean } = { client }
    pairs.add(pair)
    client.on('close', () => {
      pairs.delete(pair)
      if (!pair.silent) pair.upstream?.destroy()
    })
    if (stalled) {
      pair.silent = true
      return
    }
    const upstream = connect(port, '127.0.0.1')
    pair.upstream = upstream
    upstream.on('error', () => {})
    upstream.on('close', () => {
      if (!pair.silent) client.destroy()
    })
    client.on('data', (d) => {
      if (!pair.silent && !stalled) upstream.write(d)
    })
    upstream.on('data', (d) => {
      if (!pair.silent && !stalled) client.write(d)
    })
    client.resume()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  closers.push(() => {
    for (const p of pairs) {
      p.client.destroy()
      p.upstream?.destroy()
    }
    return new Promise((r) => server.close(r))
  })
  return {
    port: (server.address() as AddressInfo).port,
    stall() {
      stalled = true
    },
    silence() {
      for (const p of pairs) {
        p.silent = true
        p.upstream?.destroy()
      }
      stalled = false
    },
  }
}

/** Posts one batch of `n` for ten users; the status, or 0 when no answer came within 10 s (an SDK's timeout). */
async function postBatch(url: string, n: number, prefix: string): Promise<{ status: number; ids: string[] }> {
  const batch = Array.from({ length: 10 }, (_, i) => ({
    type: 'track',
    event: 'Stall',
    userId: `u${i}`,
    messageId: `${prefix}-${n}-${i}`,
    properties: { n },
  }))
  try {
    const res = await fetch(`${url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic },
      body: JSON.stringify({ batch }),
      signal: AbortSignal.timeout(10_000),
    })
    await res.text()
    return { status: res.status, ids: batch.map((e) => e.messageId) }
  } catch {
    return { status: 0, ids: batch.map((e) => e.messageId) }
  }
}

describe('gateway nodes whose PostgreSQL connections stay open and silent', () => {
  it('a node frozen with the processor’s turn does not hold the other nodes’ processing back; it goes on once thawed', async () => {
    const receiver = await startReceiver()
    const acked = new Set<string>()
    const delivered = () => new Set(receiver.arrivals.map((a) => a.id))
    const allDelivered = () => [...acked].every((id) => delivered().has(id))
    let n = 0
    const send = async (url: string) => {
      const { status, ids } = await postBatch(url, n++, 'm')
      expect(status).toBe(200)
      for (const id of ids) acked.add(id)
    }
    // Node a alone first: it takes the processor's turn with its first batch.
    const a = await spawnGateway({
      receiverUrl: receiver.url,
      ordered: true,
      options: multiNodeOptions(database().url),
    })
    await send(a.url)
    await waitFor(allDelivered, 'the first batch delivered by node a')
    const b = await spawnGateway({
      receiverUrl: receiver.url,
      ordered: true,
      options: multiNodeOptions(database().url),
    })
    for (let i = 0; i < 3; i++) await send(i % 2 ? a.url : b.url)
    await waitFor(allDelivered, 'the batches delivered by both nodes')

    // a freezes, far beyond its lease: b alone accepts, processes and delivers meanwhile.
    a.child.kill('SIGSTOP')
    try {
      for (let i = 0; i < 5; i++) await send(b.url)
      await waitFor(allDelivered, 'what node b accepted delivered while node a is frozen', 30_000)
    } finally {
      a.child.kill('SIGCONT')
    }
    // Thawed, a takes part again: what it accepts is delivered, in order per user.
    for (let i = 0; i < 4; i++) await send(i % 2 ? a.url : b.url)
    await waitFor(allDelivered, 'every acknowledged event delivered after node a thawed', 30_000)
    expect([...delivered()].filter((id) => !acked.has(id))).toEqual([])
    expect(outOfOrder(receiver.arrivals)).toEqual([])
  }, 90_000)

  it('a stalled network: ingest answers 503 within an SDK’s timeout, and once the stalled connections are silent for good, processing and delivery resume by themselves', async () => {
    const receiver = await startReceiver()
    const proxy = await startStallingProxy(Number(new URL(database().url).port || 5432))
    const store = new URL(database().url)
    store.port = String(proxy.port)
    const node = await spawnGateway({
      receiverUrl: receiver.url,
      ordered: true,
      options: multiNodeOptions(store.toString()),
    })
    const acked = new Set<string>()
    const allDelivered = () => {
      const delivered = new Set(receiver.arrivals.map((a) => a.id))
      return [...acked].every((id) => delivered.has(id))
    }
    let n = 0
    for (let i = 0; i < 3; i++) {
      const { status, ids } = await postBatch(node.url, n++, 'm')
      expect(status).toBe(200)
      for (const id of ids) acked.add(id)
    }
    await waitFor(allDelivered, 'the batches delivered before the stall')

    proxy.stall()
    // Every connection the node has, and every new one, now waits for an answer that never comes.
    const during: number[] = []
    for (let i = 0; i < 3; i++) {
      const { status, ids } = await postBatch(node.url, n++, 'm')
      during.push(status)
      if (status === 200) for (const id of ids) acked.add(id)
    }
    expect(during).toEqual([503, 503, 503])
    const health = await fetch(`${node.url}/health`, { signal: AbortSignal.timeout(10_000) })
    expect(health.status).toBe(503)

    // The stalled connections never come back; new ones reach the database.
    proxy.silence()
    await waitFor(
      async () => {
        const { status, ids } = await postBatch(node.url, n, 'm')
        if (status !== 200) return false
        for (const id of ids) acked.add(id)
        n++
        return true
      },
      'a 200 once the database is reachable again',
      60_000,
    )
    for (let i = 0; i < 3; i++) {
      const { status, ids } = await postBatch(node.url, n++, 'm')
      expect(status).toBe(200)
      for (const id of ids) acked.add(id)
    }
    await waitFor(allDelivered, 'every acknowledged event delivered after the stall', 60_000)
    expect(outOfOrder(receiver.arrivals)).toEqual([])
  }, 150_000)
})
