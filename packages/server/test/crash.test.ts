import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { type ChildGateway, useChildGateways } from './_child.ts'
import { basic, waitFor } from './_gateway.ts'

// Each run is a real gateway process (_child-gateway.ts), killed with SIGKILL by the test.
const { spawnGateway, tempDir } = useChildGateways()
const servers: Server[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  }
})

/** Starts a gateway on `dataDir` and resolves once it listens. */
const startRun = (dataDir: string, receiverUrl: string) =>
  // Nothing should fail, but if a delivery does, retry it soon rather than in seconds.
  spawnGateway({ dataDir, receiverUrl, options: { retry: { baseDelayMs: 50, maxDelayMs: 500 } } })

/**
 * The webhook receiver: counts deliveries per messageId once a request's body is in. Every
 * fifth request is answered after 3 ms, so deliveries are in flight most of the time; while
 * `hold` is on, requests are not answered at all until `release()`.
 */
async function startCountingReceiver() {
  const deliveries = new Map<string, number>()
  const mismatched: string[] = []
  const held: Array<{ id: string; answer: () => void }> = []
  const state = { hold: false, requests: 0 }
  const server = createServer((req, res) => {
    res.on('error', () => {}) // answering a killed gateway
    req.on('error', () => {}) // a killed gateway's request, cut short: never counted
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const n = ++state.requests
      let id = String(req.headers['x-patchbay-message-id'])
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messageId?: string }
        if (body.messageId !== id) mismatched.push(`${id} != ${body.messageId}`)
      } catch {
        mismatched.push(`${id}: body is not JSON`)
        id = `unparsable-${n}`
      }
      deliveries.set(id, (deliveries.get(id) ?? 0) + 1)
      const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      if (state.hold) held.push({ id, answer })
      else if (n % 5 === 0) setTimeout(answer, 3)
      else answer()
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deliveries,
    mismatched,
    held,
    state,
    /** Stops holding and answers every held request (to a dead socket, when its gateway was killed). */
    release() {
      state.hold = false
      for (const { answer } of held.splice(0)) answer()
    },
  }
}

const CLIENTS = 4
const BATCH = 20
/** Acknowledged events between kills: enough that deliveries lag behind ingestion. */
const STRIDE = 400

describe('a gateway killed with SIGKILL, again and again', () => {
  it('delivers every acknowledged event at least once, and nothing it was not sent', async () => {
    const dataDir = tempDir()
    const receiver = await startCountingReceiver()

    // The clients: POST batches of unique events to whichever gateway is up; an event is
    // acknowledged only by a 200. A request cut by a kill is simply not acknowledged.
    const sent = new Set<string>()
    const acked = new Set<string>()
    const client = { url: undefined as string | undefined, stop: false, failed: 0, refused: 0 }
    const clientLoop = async (c: number) => {
      for (let b = 0; !client.stop; b++) {
        const url = client.url
        if (!url) {
          await new Promise((r) => setTimeout(r, 5))
          continue
        }
        const ids = Array.from({ length: BATCH }, (_, i) => `c${c}-b${b}-e${i}`)
        for (const id of ids) sent.add(id)
        const batch = ids.map((messageId, i) => ({
          type: 'track',
          event: 'Crash Tested',
          userId: `user-${i % 7}`,
          properties: { client: c, batch: b },
          messageId,
        }))
        try {
          const res = await fetch(`${url}/v1/batch`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: basic() },
            body: JSON.stringify({ batch }),
            signal: AbortSignal.timeout(10_000),
          })
          await res.text()
          if (res.status === 200) for (const id of ids) acked.add(id)
          else client.refused++
        } catch {
          client.failed++
        }
      }
    }

    const runs: ChildGateway[] = []
    let heldIds: string[] = []
    const start = async () => {
      const run = await startRun(dataDir, receiver.url)
      runs.push(run)
      client.url = run.url
      return run
    }
    const kill = async (run: ChildGateway) => {
      client.url = undefined
      run.child.kill('SIGKILL')
      // The lock is taken over only once the process is reaped: wait for the exit.
      expect(await run.exited).toEqual({ code: null, signal: 'SIGKILL' })
    }
    const ackedAtLeast = (n: number, what: string) => waitFor(() => acked.size >= n, what, 15_000)

    let run = await start()
    const clients = Array.from({ length: CLIENTS }, (_, c) => clientLoop(c))
    try {
      // 1. Mid-traffic: requests are being committed and answered.
      await ackedAtLeast(STRIDE, 'the first acknowledgements')
      await kill(run)

      // 2. Right after start: it has only just put the last run's in-flight jobs back.
      run = await start()
      await kill(run)

      // 3. While deliveries are in flight: the receiver holds its answers, so the jobs are
      // in_flight in the store and already received when the kill lands.
      run = await start()
      const before3 = acked.size
      await ackedAtLeast(before3 + STRIDE, 'acknowledgements after the second restart')
      receiver.state.hold = true
      await waitFor(() => receiver.held.length >= 4, 'deliveries held by the receiver', 15_000)
      await kill(run)
      heldIds = receiver.held.map((h) => h.id)
      receiver.release()

      // 4. During recovery: as soon as a held delivery comes again.
      run = await start()
      const released = run.logs.find((l) => /deliveries were in flight/.test(l.message))
      expect(released?.message).toMatch(/^\d+ deliveries were in flight/)
      expect(Number.parseInt(released!.message, 10)).toBeGreaterThanOrEqual(heldIds.length)
      await waitFor(
        () => heldIds.some((id) => receiver.deliveries.get(id)! >= 2),
        'a redelivery of a held event',
        15_000,
      )
      await kill(run)

      // 5. The last run stays up: some more traffic, then the clients stop.
      run = await start()
      const before5 = acked.size
      await ackedAtLeast(before5 + STRIDE, 'acknowledgements after the last restart')
      client.stop = true
      await Promise.all(clients)

      await waitFor(
        () => [...acked].every((id) => receiver.deliveries.has(id)),
        'every acknowledged event to be delivered',
        20_000,
      )
      // And the queue runs dry: committed-but-unacknowledged events go out too, nothing is dead.
      const health = async () =>
        (await (await fetch(`${run.url}/health`)).json()) as {
          queue: { pendingEvents: number; jobs: Record<string, Record<string, number>>; deadLetters: object }
        }
      const deadline = Date.now() + 20_000
      let queue = (await health()).queue
      while (
        queue.pendingEvents > 0 ||
        Object.values(queue.jobs).some((s) => Object.values(s).some((n) => n > 0))
      ) {
        if (Date.now() > deadline) throw new Error(`the queue never ran dry: ${JSON.stringify(queue)}`)
        await new Promise((r) => setTimeout(r, 20))
        queue = (await health()).queue
      }
      expect(queue.deadLetters).toEqual({})
    } finally {
      client.stop = true
      receiver.release()
      await Promise.all(clients)
    }

    const delivered = receiver.deliveries
    const missing = [...acked].filter((id) => !delivered.has(id))
    const garbage = [...delivered.keys()].filter((id) => !sent.has(id))
    const duplicates = [...delivered.values()].reduce((sum, n) => sum + n - 1, 0)
    const unackedDelivered = [...delivered.keys()].filter((id) => !acked.has(id)).length
    // What each restart found in flight: the kills landed with deliveries under way.
    const inFlight = runs
      .slice(1)
      .map((r) => Number.parseInt(r.logs.find((l) => /were in flight/.test(l.message))?.message ?? '0', 10))
    console.log(
      `crash test: ${runs.length - 1} kills (jobs in flight at each: ${inFlight.join(', ')}); sent ${sent.size} events, acknowledged ${acked.size}, ` +
        `${client.failed} requests cut by kills, ${client.refused} refused; delivered ${delivered.size} distinct ` +
        `(${unackedDelivered} never acknowledged), ${duplicates} duplicate deliveries`,
    )

    expect(missing).toEqual([])
    expect(garbage).toEqual([])
    expect(receiver.mismatched).toEqual([])
    expect(client.refused).toBe(0)
    // At-least-once, not exactly-once: every held delivery was received, never answered, and came again.
    expect(heldIds.length).toBeGreaterThanOrEqual(4)
    expect(heldIds.filter((id) => delivered.get(id)! < 2)).toEqual([])
    expect(duplicates).toBeGreaterThanOrEqual(heldIds.length)
    for (const r of runs) {
      expect(r.stderr()).toBe('')
      expect(r.logs.filter((l) => l.level === 'error')).toEqual([])
    }
  }, 120_000)
})
