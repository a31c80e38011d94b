import { createServer, type Server } from 'node:http'
import { type AddressInfo, connect, createServer as createTcpServer, type Socket } from 'node:net'
import RudderAnalytics from '@rudderstack/rudder-sdk-node'
import { Analytics as SegmentAnalytics } from '@segment/analytics-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ChildGateway, useChildGateways } from './_child.ts'
import { waitFor } from './_gateway.ts'
import { createTestDatabase, queryDatabase } from './store/_postgres.ts'

// Several real gateway processes on one PostgreSQL database (a database of this file's own,
// created and dropped here), with the real Segment and RudderStack SDKs and ordered clients
// sending to them, through node kills (SIGKILL), a destination outage and a cut of the
// network to PostgreSQL. Traffic is counted, not timed: each phase sends a fixed number of
// events, so the test does the same work however loaded the machine is.

const WRITE_KEY = 'wk_test_0123456789'
const basic = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`

let database: Awaited<ReturnType<typeof createTestDatabase>>
const closers: Array<() => Promise<unknown>> = []
beforeAll(async () => {
  database = await createTestDatabase('multi_node')
})
afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {})
  await database?.drop()
})
// Registered after the hook above, so the gateways are killed before their database goes.
const { spawnGateway } = useChildGateways({ per: 'file' })

/**
 * A TCP proxy to the ports `targets()` names, in turn: a connection goes to the next target
 * that accepts it (a killed node's port refuses, so the next one gets it), as a load
 * balancer does. `cut()` closes every connection at once and refuses new ones until
 * `restore()`, as when the network goes.
 */
async function startTcpProxy(targets: () => number[]) {
  const sockets = new Set<Socket>()
  let cut = false
  let turn = 0
  const server = createTcpServer({ pauseOnConnect: true }, (client) => {
    if (cut) return void client.destroy()
    sockets.add(client)
    client.on('error', () => {})
    client.on('close', () => sockets.delete(client))
    const ports = targets()
    const attempt = (left: number) => {
      if (left === 0 || client.destroyed) return void client.destroy()
      const upstream = connect(ports[turn++ % ports.length]!, '127.0.0.1')
      let connected = false
      upstream.on('error', () => {
        if (!connected) attempt(left - 1)
      })
      upstream.on('connect', () => {
        connected = true
        if (cut || client.destroyed) return void upstream.destroy()
        sockets.add(upstream)
        upstream.on('close', () => {
          sockets.delete(upstream)
          client.destroy()
        })
        client.on('close', () => upstream.destroy())
        client.pipe(upstream).pipe(client)
        client.resume()
      })
    }
    attempt(ports.length)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const proxy = {
    port: (server.address() as AddressInfo).port,
    cut() {
      cut = true
      for (const s of sockets) s.destroy()
    },
    restore() {
      cut = false
    },
    close() {
      for (const s of sockets) s.destroy()
      return new Promise((r) => server.close(r))
    },
  }
  closers.push(proxy.close)
  return proxy
}

/**
 * The destination: records each delivery's messageId, user and position in that user's
 * sequence; answers 200, or 503, or 429 with Retry-After, as the test says.
 */
async function startReceiver() {
  const arrivals: Array<{ id: string; user: string; n: number }> = []
  const state = { answer: 200 as 200 | 503 | 429, refused: 0 }
  const server: Server = createServer((req, res) => {
    res.on('error', () => {})
    req.on('error', () => {})
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (state.answer !== 200) {
        state.refused++
        return void res.writeHead(state.answer, state.answer === 429 ? { 'retry-after': '1' } : {}).end()
      }
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
        arrivals.push({ id: body.messageId, user: body.userId, n: body.properties?.n })
      } catch {
        arrivals.push({ id: 'unparsable', user: '', n: -1 })
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  closers.push(() => {
    server.closeAllConnections()
    return new Promise((r) => server.close(r))
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrivals, state }
}

describe('two and three gateway nodes on one PostgreSQL database', () => {
  it('lose nothing acknowledged through node kills, a destination outage and a cut to PostgreSQL; per-user order holds across nodes', async () => {
    const pg = new URL(database.url)
    const pgProxy = await startTcpProxy(() => [Number(pg.port || 5432)])
    const storeUrl = new URL(database.url)
    storeUrl.port = String(pgProxy.port)
    const receiver = await startReceiver()
    const options = {
      store: storeUrl.toString(),
      postgres: { leaseMs: 1_500, poolSize: 4, statsMaxAgeMs: 200 },
      retry: { baseDelayMs: 50, maxDelayMs: 300 },
      delivery: { pollMs: 50 },
    }
    // nodes[i] is undefined while node i is down; its port is kept for its restart.
    const nodes: Array<ChildGateway | undefined> = []
    const ports: number[] = []
    const startNode = async (i: number) => {
      const spawnOn = (port: number) =>
        spawnGateway({ receiverUrl: receiver.url, ordered: true, options: { ...options, port } })
      // A restart takes its old port back, unless something took it meanwhile (the port was
      // free for any outgoing connection): then another one, which the clients follow.
      nodes[i] = await spawnOn(ports[i] ?? 0).catch((error: Error) => {
        if (ports[i] === undefined || !/EADDRINUSE/.test(error.message)) throw error
        return spawnOn(0)
      })
      ports[i] = nodes[i]!.port
    }
    const killNode = async (i: number) => {
      const victim = nodes[i]!
      nodes[i] = undefined
      victim.child.kill('SIGKILL')
      expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' })
    }
    // Two nodes first; the third joins later.
    await Promise.all([startNode(0), startNode(1)])
    const balancer = await startTcpProxy(() => ports.filter((_, i) => nodes[i]))

    const sent = new Set<string>()
    const acked = new Set<string>()
    const answers: Record<string, number> = {}
    const count = (what: string | number) => {
      answers[what] = (answers[what] ?? 0) + 1
    }

    // Ordered clients: each owns ten users and posts one batch at a time to the live nodes in
    // turn, posting it again (to the next node) until a 200 acknowledges it, so each user's
    // events are acknowledged in the order of `n`. `grant(k)` lets each client post k more
    // batches: the phases below decide how much traffic there is, not the clock.
    const CLIENTS = 3
    let budget = 0
    let done = false
    const posted = Array.from({ length: CLIENTS }, () => 0)
    const grant = (batches: number) => {
      budget += batches
    }
    const client = async (c: number) => {
      let turn = c
      while (!done) {
        const b = posted[c]!
        if (b >= budget) {
          await new Promise((r) => setTimeout(r, 10))
          continue
        }
        const batch = Array.from({ length: 10 }, (_, i) => ({
          type: 'track',
          event: 'Multi Node',
          userId: `c${c}-u${i}`,
          messageId: `c${c}-b${b}-e${i}`,
          properties: { n: b },
        }))
        for (const e of batch) sent.add(e.messageId)
        for (;;) {
          const live = ports.filter((_, i) => nodes[i])
          const port = live[turn++ % live.length]
          try {
            const res = await fetch(`http://127.0.0.1:${port}/v1/batch`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: basic },
              body: JSON.stringify({ batch }),
              signal: AbortSignal.timeout(10_000),
            })
            await res.text()
            count(res.status)
            if (res.status === 200) {
              for (const e of batch) acked.add(e.messageId)
              break
            }
          } catch {
            count('failed')
          }
          await new Promise((r) => setTimeout(r, 25))
        }
        posted[c] = b + 1
      }
    }
    const clients = Array.from({ length: CLIENTS }, (_, c) => client(c))

    // The real SDKs, through the load balancer; an event counts once its callback says so.
    const balancerUrl = `http://127.0.0.1:${balancer.port}`
    const segment = new SegmentAnalytics({
      writeKey: WRITE_KEY,
      host: balancerUrl,
      flushAt: 10,
      flushInterval: 20,
      maxRetries: 5,
    })
    segment.on('error', () => {}) // failures are counted through the callbacks
    const rudder = new RudderAnalytics(WRITE_KEY, {
      dataPlaneUrl: balancerUrl,
      flushAt: 10,
      flushInterval: 20,
      retryCount: 5,
      // Failures are counted through the callbacks; without a handler the SDK rethrows them.
      errorHandler: () => {},
      logLevel: 'error',
    } as ConstructorParameters<typeof RudderAnalytics>[1])
    let sdkEvents = 0
    let sdkAnswered = 0
    const answered = (what: string, id: string) => (err?: unknown) => {
      sdkAnswered++
      if (err) count(`${what} failed`)
      else acked.add(id)
    }
    const sdkSend = (events: number) => {
      for (let k = 0; k < events; k++) {
        const i = sdkEvents++
        const segmentId = `seg-${i}`
        const rudderId = `rud-${i}`
        sent.add(segmentId)
        sent.add(rudderId)
        segment.track(
          { userId: `seg-u${i % 5}`, event: 'SDK', messageId: segmentId, properties: { n: i } },
          answered('segment', segmentId),
        )
        // The SDK keeps a messageId it is given (its types leave the field out).
        const call = { userId: `rud-u${i % 5}`, event: 'SDK', messageId: rudderId, properties: { n: i } }
        rudder.track(call as Parameters<typeof rudder.track>[0], answered('rudder', rudderId))
      }
    }

    /** One phase of traffic: `batches` more batches per client and `sdk` more events per SDK. */
    const PHASE = { batches: 4, sdk: 20 }
    const phase = (scale = 1) => {
      grant(PHASE.batches * scale)
      sdkSend(PHASE.sdk * scale)
    }
    /** Waits until every ordered batch granted so far is acknowledged. */
    const settled = (what: string) =>
      waitFor(() => posted.every((b) => b >= budget), `the ordered clients' batches ${what}`, 30_000)
    /** Resolves once `n` more events are acknowledged (the moment to strike mid-traffic). */
    const afterAcks = (n: number, what: string) => {
      const target = acked.size + n
      return waitFor(() => acked.size >= target, `${n} acknowledgements ${what}`, 30_000)
    }

    phase()
    await settled('with two nodes')

    // The destination is down (503), then throttles (429 with Retry-After), then recovers.
    receiver.state.answer = 503
    phase()
    await settled('while the destination answers 503')
    receiver.state.answer = 429
    phase()
    await settled('while the destination answers 429')
    receiver.state.answer = 200

    // A third node joins; then nodes are killed mid-traffic, each restarted on its port.
    await startNode(2)
    for (const i of [2, 0, 1]) {
      phase()
      await afterAcks(20, `before node ${i} is killed`)
      await killNode(i)
      await settled(`with node ${i} killed`)
      if (i !== 2) await startNode(i) // node 2 stays down: two nodes again from here
    }

    // The network to PostgreSQL is cut: ingestion answers 503 meanwhile, then recovers.
    phase()
    await afterAcks(20, 'before PostgreSQL is cut')
    pgProxy.cut()
    let refused: { status: number; code?: string } | undefined
    await waitFor(
      async () => {
        const res = await fetch(`${nodes[0]!.url}/v1/track`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: basic },
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
      20_000,
    )
    expect(refused).toEqual({ status: 503, code: 'PB_GATEWAY_STORE_UNAVAILABLE' })
    // More traffic while it is away: the ordered clients are refused too, and post again.
    const refusedWhileCut = answers[503] ?? 0
    phase()
    await waitFor(() => (answers[503] ?? 0) > refusedWhileCut, 'an ordered client refused with a 503')
    pgProxy.restore()
    await settled('after PostgreSQL is back')

    done = true
    await Promise.all(clients)
    await segment.closeAndFlush({ timeout: 30_000 })
    await rudder.flush().catch(() => {})
    // Each SDK has said how each of its events went (an event whose request a kill cut is
    // retried by the SDK, through the balancer, to a live node).
    await waitFor(() => sdkAnswered === sdkEvents * 2, 'an answer to every SDK call', 30_000)

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
      45_000,
    ).catch(async () => {
      // What the queue and the nodes say, to tell a slow delivery from a stuck one.
      const { rows } = await queryDatabase(
        database.url,
        `SELECT state, node IS NOT NULL AS held, count(*)::int AS n, min(attempts) AS attempts,
           max(last_error) AS error FROM patchbay.jobs GROUP BY 1, 2
         UNION ALL SELECT 'pending events', false, count(*)::int, NULL, NULL FROM patchbay.events WHERE NOT processed`,
      )
      console.error('multi-node: the queue', JSON.stringify(rows))
      for (const [i, node] of nodes.entries())
        console.error(
          `multi-node: node ${i} errors`,
          node?.logs.filter((l) => l.level === 'error' || l.level === 'warn').slice(-5),
        )
    })
    expect(missing()).toEqual([])
    expect([...arrived.keys()].filter((id) => !sent.has(id) && !id.startsWith('probe-'))).toEqual([])

    // Per user, event by event: first arrivals in the order the user's events were acknowledged.
    const last = new Map<string, number>()
    const firstSeen = new Set<string>()
    const outOfOrder: string[] = []
    for (const { id, user, n } of receiver.arrivals) {
      if (firstSeen.has(id) || !/^c\d-u\d$/.test(user)) continue
      firstSeen.add(id)
      if ((last.get(user) ?? -1) > n) outOfOrder.push(`${user}: ${n} after ${last.get(user)}`)
      last.set(user, Math.max(n, last.get(user) ?? -1))
    }
    expect(outOfOrder).toEqual([])
    const orderedUsers = [...last.keys()].length
    expect(orderedUsers).toBe(CLIENTS * 10)

    const duplicates = [...arrived.values()].filter((n) => n > 1).length
    console.log(
      `multi-node: ${acked.size} acknowledged of ${sent.size} sent; ${arrived.size} delivered, ${duplicates} more than once; ` +
        `destination refused ${receiver.state.refused} deliveries; answers to the ordered clients and SDK failures ${JSON.stringify(answers)}`,
    )
  }, 150_000)
})
