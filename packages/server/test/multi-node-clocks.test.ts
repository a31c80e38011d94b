// @long-pole 98: seconds in a CI run; the longest files start first (see vitest.config.ts).
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import type { ChildGateway } from './_child.ts'
import { waitFor } from './_gateway.ts'
import { type Arrival, basic, multiNodeOptions, outOfOrder, useMultiNodeTest } from './_multi-node.ts'
import { queryDatabase } from './store/_postgres.ts'

// Adversarial multi-node cases (issue 17) that multi-node.test.ts does not make: nodes started
// at once on an empty database, nodes frozen (SIGSTOP) past their lease mid-delivery and
// thawed, a node killed while jobs wait for a retry, and nodes whose clocks disagree. Real
// processes, a database of each test's own. (A PostgreSQL restart is not made here: the
// server is shared by every test file running at the same time.)

const { closers, spawnGateway, database } = useMultiNodeTest('probe')

/** The destination: records each delivery; `answer(body)` decides the status (default 200). */
async function startReceiver() {
  const arrivals: Arrival[] = []
  const state: { answer: (a: Arrival) => number | Promise<number> } = { answer: () => 200 }
  const server = createServer((req, res) => {
    res.on('error', () => {})
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      const a = { id: body.messageId, user: body.userId, n: body.properties?.n }
      const status = await state.answer(a)
      if (status === 200) arrivals.push(a)
      res.writeHead(status, status === 429 ? { 'retry-after': '1' } : {}).end('{}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  closers.push(() => {
    server.closeAllConnections()
    return new Promise((r) => server.close(r))
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrivals, state }
}

/**
 * Ordered clients: `users` users, each user's events posted one batch at a time (every user
 * of the client in each batch), to the live nodes in turn, again until a 200.
 */
function orderedClients(nodes: () => ChildGateway[], clients = 3, users = 5) {
  const sent = new Set<string>()
  const acked = new Set<string>()
  const statuses: Record<string, number> = {}
  let budget = 0
  let stop = false
  const posted = Array.from({ length: clients }, () => 0)
  const run = async (c: number) => {
    let turn = c
    while (!stop) {
      const b = posted[c]!
      if (b >= budget) {
        await new Promise((r) => setTimeout(r, 10))
        continue
      }
      const batch = Array.from({ length: users }, (_, i) => ({
        type: 'track',
        event: 'Probe',
        userId: `c${c}-u${i}`,
        messageId: `c${c}-b${b}-e${i}`,
        properties: { n: b },
      }))
      for (const e of batch) sent.add(e.messageId)
      for (;;) {
        const live = nodes().filter((n) => n.alive())
        const node = live[turn++ % Math.max(1, live.length)]
        let status: number | string = 'no node'
        if (node)
          try {
            const res = await fetch(`${node.url}/v1/batch`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: basic },
              body: JSON.stringify({ batch }),
              signal: AbortSignal.timeout(10_000),
            })
            await res.text()
            status = res.status
          } catch {
            status = 'failed'
          }
        statuses[status] = (statuses[status] ?? 0) + 1
        if (status === 200) {
          for (const e of batch) acked.add(e.messageId)
          break
        }
        await new Promise((r) => setTimeout(r, 25))
      }
      posted[c] = b + 1
    }
  }
  const running = Array.from({ length: clients }, (_, c) => run(c))
  return {
    sent,
    acked,
    statuses,
    grant(batches: number) {
      budget += batches
    },
    settled: (what: string) =>
      waitFor(() => posted.every((b) => b >= budget), `the ordered clients' batches ${what}`, 60_000),
    async stop() {
      stop = true
      await Promise.all(running)
    },
  }
}

async function expectAllDelivered(
  receiver: { arrivals: Arrival[] },
  traffic: { acked: Set<string>; sent: Set<string> },
  label: string,
) {
  const missing = () => {
    const arrived = new Set(receiver.arrivals.map((a) => a.id))
    return [...traffic.acked].filter((id) => !arrived.has(id))
  }
  await waitFor(
    () => missing().length === 0,
    `every acknowledged event at the destination (${label})`,
    60_000,
  ).catch(async () => {
    const { rows } = await queryDatabase(
      database().url,
      `SELECT state, node, count(*)::int AS n, max(last_error) AS error FROM patchbay.jobs GROUP BY 1, 2
         UNION ALL SELECT 'pending events', NULL, count(*)::int, NULL FROM patchbay.events WHERE NOT processed`,
    )
    console.error(`${label}: the queue`, JSON.stringify(rows))
  })
  expect(missing()).toEqual([])
  expect(receiver.arrivals.map((a) => a.id).filter((id) => !traffic.sent.has(id))).toEqual([])
  expect(outOfOrder(receiver.arrivals)).toEqual([])
  const counts = new Map<string, number>()
  for (const a of receiver.arrivals) counts.set(a.id, (counts.get(a.id) ?? 0) + 1)
  console.log(
    `${label}: ${traffic.acked.size} acknowledged, ${counts.size} delivered, ${[...counts.values()].filter((n) => n > 1).length} more than once`,
  )
}

describe('gateway nodes frozen, killed at awkward moments, or with clocks that disagree', () => {
  it('three nodes started at once; nodes frozen past their lease mid-delivery and thawed, killed while jobs wait for a retry: nothing lost, order holds', async () => {
    const receiver = await startReceiver()
    let mode: 'ok' | '503' | '429' = 'ok'
    // A slow destination, so that nodes are caught mid-delivery.
    receiver.state.answer = async () => {
      await new Promise((r) => setTimeout(r, 20))
      return mode === 'ok' ? 200 : mode === '503' ? 503 : 429
    }
    const spawn = () =>
      spawnGateway({ receiverUrl: receiver.url, ordered: true, options: multiNodeOptions(database().url) })
    const nodes = await Promise.all([spawn(), spawn(), spawn()])
    const traffic = orderedClients(() => nodes, 4, 8)
    const deliveredAll = (what: string) =>
      waitFor(
        () => {
          const arrived = new Set(receiver.arrivals.map((a) => a.id))
          return [...traffic.acked].every((id) => arrived.has(id))
        },
        what,
        60_000,
      )
    traffic.grant(3)
    await traffic.settled('with three nodes')
    for (const round of [0, 1]) {
      traffic.grant(4)
      await waitFor(() => traffic.acked.size >= (round + 1) * 100, `traffic under way in round ${round}`)
      const frozen = nodes[round]!
      frozen.child.kill('SIGSTOP')
      try {
        traffic.grant(2)
        await traffic.settled(`with node ${round} frozen`)
        await deliveredAll(`what was acknowledged delivered with node ${round} frozen`)
      } finally {
        frozen.child.kill('SIGCONT')
      }
    }
    // The destination fails; a node is killed while jobs wait for their retry, another frozen.
    mode = '503'
    traffic.grant(2)
    await traffic.settled('while the destination answers 503')
    await waitFor(async () => {
      const { rows } = await queryDatabase(
        database().url,
        "SELECT count(*)::int AS n FROM patchbay.jobs WHERE state = 'retrying'",
      )
      return rows[0].n > 10
    }, 'jobs waiting for a retry')
    nodes[0]!.child.kill('SIGKILL')
    await nodes[0]!.exited
    nodes[0] = await spawn()
    mode = '429'
    nodes[1]!.child.kill('SIGSTOP')
    traffic.grant(2)
    await traffic.settled('while the destination answers 429')
    nodes[1]!.child.kill('SIGCONT')
    mode = 'ok'
    traffic.grant(2)
    await traffic.settled('after the outage')
    await traffic.stop()
    await expectAllDelivered(receiver, traffic, 'freeze and kill')
  }, 200_000)

  it('nodes whose clocks are days apart deliver each other’s jobs, retries included, in order, and take events', async () => {
    const receiver = await startReceiver()
    let failing = true
    receiver.state.answer = () => (failing ? 503 : 200)
    // Node a's clock is right; it queues the jobs, and their first attempts fail (503): they wait for a retry.
    const a = await spawnGateway({
      receiverUrl: receiver.url,
      ordered: true,
      options: multiNodeOptions(database().url),
    })
    const traffic = orderedClients(() => [a], 2, 5)
    traffic.grant(3)
    await traffic.settled('to node a')
    await waitFor(async () => {
      const { rows } = await queryDatabase(
        database().url,
        `SELECT count(*) FILTER (WHERE state = 'retrying')::int AS r, count(*)::int AS n FROM patchbay.jobs`,
      )
      return rows[0].n === traffic.acked.size && rows[0].r > 0
    }, 'node a retrying its jobs')
    a.child.kill('SIGKILL')
    await a.exited
    // Node b's clock is three days behind (beyond the retry window and the backpressure age),
    // node c's ten minutes ahead: the destination is back.
    failing = false
    const b = await spawnGateway({
      receiverUrl: receiver.url,
      ordered: true,
      options: multiNodeOptions(database().url),
      clockSkewMs: -3 * 86_400_000,
    })
    await expectAllDelivered(receiver, traffic, 'a node three days behind')
    const c = await spawnGateway({
      receiverUrl: receiver.url,
      ordered: true,
      options: multiNodeOptions(database().url),
      clockSkewMs: 600_000,
    })
    // Both take traffic; then c, ahead, is killed while its retries wait, and b must deliver them.
    const more = orderedClients(() => [c], 2, 5)
    failing = true
    more.grant(3)
    await more.settled('to node c')
    await waitFor(async () => {
      const { rows } = await queryDatabase(
        database().url,
        `SELECT count(*) FILTER (WHERE state = 'retrying')::int AS r FROM patchbay.jobs`,
      )
      return rows[0].r > 0
    }, 'jobs retrying after node c queued them')
    c.child.kill('SIGKILL')
    await c.exited
    failing = false
    await more.stop()
    await traffic.stop()
    await expectAllDelivered(receiver, more, 'after a node ten minutes ahead is killed')
    expect(b.alive()).toBe(true)
  }, 200_000)
})
