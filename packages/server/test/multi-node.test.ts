import { createServer, type Server } from 'node:http'
import { type AddressInfo, connect, createServer as createTcpServer, type Socket } from 'node:net'
import RudderAnalytics from '@rudderstack/rudder-sdk-node'
import { Analytics as SegmentAnalytics } from '@segment/analytics-node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type ChildGateway, useChildGateways } from './_child.ts'
import { waitFor } from './_gateway.ts'
import { createTestDatabase } from './store/_postgres.ts'

const WRITE_KEY = 'wk_test_0123456789'
const basic = () => `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`
const { spawnGateway } = useChildGateways()

let database: Awaited<ReturnType<typeof createTestDatabase>>
const servers: Server[] = []
beforeAll(async () => {
  database = await createTestDatabase('multi_node')
})
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections?.()
    await new Promise((r) => server.close(r))
  }
})
afterAll(() => database.drop())

/**
 * A TCP proxy in front of PostgreSQL that the test can cut: while cut, every connection is
 * closed at once (those open and new ones), as when the network to the database goes.
 */
async function startProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>()
  let cut = false
  const server = createTcpServer((client) => {
    if (cut) return void client.destroy()
    const upstream = connect(target.port, target.host)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => {})
      s.on('close', () => {
        sockets.delete(s)
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      cut = true
      for (const s of sockets) s.destroy()
    },
    restore() {
      cut = false
    },
    close: () => {
      for (const s of sockets) s.destroy()
      return new Promise((r) => server.close(r))
    },
  }
}

/**
 * The destination: records each delivery's messageId, user and position in that user's
 * sequence; answers 200, or 503, or 429 with Retry-After, as the test says.
 */
async function startReceiver() {
  const arrivals: Array<{ id: string; user: string; n: number }> = []
  const state = { answer: 200 as 200 | 503 | 429 }
  const server = createServer((req, res) => {
    res.on('error', () => {})
    req.on('error', () => {})
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (state.answer === 503) return void res.writeHead(503).end()
      if (state.answer === 429) return void res.writeHead(429, { 'retry-after': '1' }).end()
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
        arrivals.push({ id: body.messageId, user: body.userId, n: body.properties?.n })
      } catch {
        arrivals.push({ id: 'unparsable', user: '', n: -1 })
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrivals, state }
}

describe('several gateway nodes on one PostgreSQL database', () => {
  it('lose nothing acknowledged through node kills, destination outages and a cut to PostgreSQL; per-user order holds across nodes', async () => {
    const pgUrl = new URL(database.url)
    const proxy = await startProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) })
    const storeUrl = new URL(database.url)
    storeUrl.port = String(proxy.port)
    const receiver = await startReceiver()
    const options = {
      store: storeUrl.toString(),
      postgres: { leaseMs: 2_000, poolSize: 4 },
      retry: { baseDelayMs: 50, maxDelayMs: 300 },
      delivery: { pollMs: 50 },
    }
    const nodes: ChildGateway[] = []
    const startNode = async (i: number, port = 0) => {
      nodes[i] = await spawnGateway({
        receiverUrl: receiver.url,
        ordered: true,
        options: { ...options, port },
      })
      return nodes[i]!
    }
    await startNode(0)
    await startNode(1)
    await startNode(2)

    // Ordered clients: each owns users and sends one batch at a time, to the nodes in turn,
    // sending a batch again (to the next node) until a 200 acknowledges it. So each user's
    // events are acknowledged in the order of `n`.
    const sent = new Set<string>()
    const acked = new Set<string>()
    const status: Record<string, number> = {}
    let stop = false
    const client = async (c: number) => {
      for (let b = 0, turn = c; !stop; b++) {
        const batch = Array.from({ length: 10 }, (_, i) => ({
          type: 'track',
          event: 'Multi Node',
          userId: `c${c}-u${i % 3}`,
          messageId: `c${c}-b${b}-e${i}`,
          properties: { n: b * 10 + i },
        }))
        for (const e of batch) sent.add(e.messageId)
        for (;;) {
          const node = nodes[turn++ % nodes.length]!
          try {
            const res = await fetch(`${node.url}/v1/batch`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: basic() },
              body: JSON.stringify({ batch }),
              signal: AbortSignal.timeout(10_000),
            })
            await res.text()
            status[res.status] = (status[res.status] ?? 0) + 1
            if (res.status === 200) {
              for (const e of batch) acked.add(e.messageId)
              break
            }
          } catch {
            status.failed = (status.failed ?? 0) + 1
          }
          if (stop) return
          await new Promise((r) => setTimeout(r, 20))
        }
      }
    }
    const clients = [0, 1, 2].map(client)

    // The real SDKs, each to a node of its own; an event counts once its callback says so.
    const segment = new SegmentAnalytics({
      writeKey: WRITE_KEY,
      host: nodes[0]!.url,
      flushAt: 20,
      flushInterval: 50,
    })
    const rudder = new RudderAnalytics(WRITE_KEY, {
      dataPlaneUrl: nodes[1]!.url,
      flushAt: 20,
      flushInterval: 50,
    })
    const sdkSend = (i: number) => {
      const segId = `seg-${i}`
      const rudId = `rud-${i}`
      sent.add(segId)
      sent.add(rudId)
      segment.track(
        { userId: `seg-u${i % 5}`, event: 'SDK', messageId: segId, properties: { n: i } },
        (err) => {
          if (!err) acked.add(segId)
        },
      )
      // The SDK keeps a messageId it is given (its types leave the field out).
      const rudderCall = { userId: `rud-u${i % 5}`, event: 'SDK', messageId: rudId, properties: { n: i } }
      rudder.track(rudderCall as Parameters<typeof rudder.track>[0], (err?: unknown) => {
        if (!err) acked.add(rudId)
      })
    }
    for (let i = 0; i < 100; i++) sdkSend(i)

    const ackedAtLeast = (n: number, what: string) => waitFor(() => acked.size >= n, what, 60_000)
    await ackedAtLeast(200, 'the first acknowledgements')

    // The destination is down (503), then throttles (429 Retry-After), then recovers.
    receiver.state.answer = 503
    await ackedAtLeast(acked.size + 100, 'acknowledgements while the destination is down')
    receiver.state.answer = 429
    await ackedAtLeast(acked.size + 100, 'acknowledgements while the destination throttles')
    receiver.state.answer = 200

    // The SDKs have said how each of their calls went (a node killed under them would leave
    // their own retries to fail, which they report as unhandled rejections).
    const flushSdks = async () => {
      await segment.closeAndFlush({ timeout: 30_000 })
      await rudder.flush().catch(() => {})
    }
    await flushSdks()

    // Nodes killed mid-traffic, each restarted on its port.
    for (const i of [2, 0, 1]) {
      const victim = nodes[i]!
      victim.child.kill('SIGKILL')
      expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' })
      await ackedAtLeast(acked.size + 50, `acknowledgements with node ${i} down`)
      await startNode(i, victim.port)
    }

    // The network to PostgreSQL is cut: ingestion answers 503 meanwhile, then recovers.
    proxy.cut()
    let refused: { status: number; code?: string } | undefined
    await waitFor(
      async () => {
        const res = await fetch(`${nodes[0]!.url}/v1/track`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: basic() },
          body: JSON.stringify({
            type: 'track',
            event: 'Probe',
            userId: 'probe',
            messageId: `probe-${Date.now()}`,
          }),
        })
        const body = (await res.json()) as { error?: { code?: string } }
        refused = { status: res.status, code: body.error?.code }
        return res.status === 503
      },
      'a 503 while PostgreSQL is away',
      30_000,
    )
    expect(refused).toEqual({ status: 503, code: 'PB_GATEWAY_STORE_UNAVAILABLE' })
    proxy.restore()
    await ackedAtLeast(acked.size + 50, 'acknowledgements after PostgreSQL is back')

    stop = true
    await Promise.all(clients)

    // Every acknowledged event arrives, by whichever node.
    const arrived = new Map<string, number>()
    const missing = () => [...acked].filter((id) => !arrived.has(id))
    let seen = 0
    await waitFor(
      () => {
        for (const a of receiver.arrivals.slice(seen)) arrived.set(a.id, (arrived.get(a.id) ?? 0) + 1)
        seen = receiver.arrivals.length
        return missing().length === 0
      },
      'every acknowledged event at the destination',
      90_000,
    )
    expect(missing()).toEqual([])
    expect([...arrived.keys()].filter((id) => !sent.has(id) && !id.startsWith('probe-'))).toEqual([])

    // Per user, first arrivals in the order the user's events were acknowledged.
    const lastN = new Map<string, number>()
    const firstSeen = new Set<string>()
    const outOfOrder: string[] = []
    for (const { id, user, n } of receiver.arrivals) {
      if (firstSeen.has(id) || !/^c\d-u\d$/.test(user)) continue
      firstSeen.add(id)
      if ((lastN.get(user) ?? -1) > n) outOfOrder.push(`${user}: ${n} after ${lastN.get(user)}`)
      lastN.set(user, Math.max(n, lastN.get(user) ?? -1))
    }
    expect(outOfOrder).toEqual([])

    const duplicates = [...arrived.values()].filter((n) => n > 1).length
    console.log(
      `multi-node: ${acked.size} acknowledged of ${sent.size} sent, ${arrived.size} delivered, ${duplicates} delivered more than once; answers ${JSON.stringify(status)}`,
    )
    await proxy.close()
  }, 240_000)
})
