import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { useChildGateways } from './_child.ts'
import { waitFor } from './_gateway.ts'
import { multiNodeOptions } from './_multi-node.ts'
import { createTestDatabase, queryDatabase } from './store/_postgres.ts'

// A node frozen (SIGSTOP) mid-delivery past its lease, whose job another node took over and
// is delivering, thaws and learns how its own attempt went. What it records must not touch
// the job the other node now holds: a retry it scheduled made the job claimable again while
// the other node's attempt was still open, so two live nodes delivered the same job at once.

const basic = `Basic ${Buffer.from('wk_test_0123456789:').toString('base64')}`
const closers: Array<() => unknown> = []
let database: Awaited<ReturnType<typeof createTestDatabase>>
beforeEach(async () => {
  database = await createTestDatabase(`takeover_${Math.random().toString(36).slice(2, 8)}`)
})
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})
const { spawnGateway } = useChildGateways({ per: 'test' })
afterEach(async () => {
  await database.drop()
})

/** The destination: holds every request until the test answers it; records how many were open at once per message. */
async function startHoldingReceiver() {
  const open: Array<{ id: string; n: number; res: ServerResponse }> = []
  const requests: string[] = []
  const overlaps: string[] = []
  const server = createServer((req, res) => {
    res.on('error', () => {})
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      const held = { id: body.messageId as string, n: body.properties.n as number, res }
      for (const other of open)
        overlaps.push(
          `${held.id} (n ${held.n}) arrived while ${other.id} (n ${other.n}) was still being delivered`,
        )
      requests.push(held.id)
      open.push(held)
      res.on('close', () => {
        const i = open.indexOf(held)
        if (i >= 0) open.splice(i, 1)
      })
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  closers.push(() => {
    server.closeAllConnections()
    return new Promise((r) => server.close(r))
  })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    open,
    requests,
    overlaps,
    /** Answers the oldest open request with `status`. */
    answer(status: number) {
      const held = open.shift()!
      held.res.writeHead(status, { 'content-type': 'application/json' }).end('{}')
      return held
    },
  }
}

describe('a node thawed after another took its job over', () => {
  it('does not make the job claimable again while the other node delivers it (its failed attempt is dropped)', async () => {
    const receiver = await startHoldingReceiver()
    const a = await spawnGateway({
      receiverUrl: receiver.url,
      ordered: true,
      options: multiNodeOptions(database.url, 100),
    })
    const batch = [0, 1].map((n) => ({
      type: 'track',
      event: 'Takeover',
      userId: 'u',
      messageId: `m${n}`,
      properties: { n },
    }))
    const res = await fetch(`${a.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic },
      body: JSON.stringify({ batch }),
    })
    expect(res.status).toBe(200)
    // Node a delivers m0; the destination holds it. a freezes meanwhile, past its lease.
    await waitFor(() => receiver.requests.length === 1, 'node a delivering m0')
    a.child.kill('SIGSTOP')
    try {
      const b = await spawnGateway({
        receiverUrl: receiver.url,
        ordered: true,
        options: multiNodeOptions(database.url, 100),
      })
      await waitFor(
        () => receiver.requests.length === 2,
        'node b delivering m0 once a’s lease ran out',
        30_000,
      )
      expect(receiver.requests).toEqual(['m0', 'm0'])
      // a's attempt fails (503); a thaws and records it, while b's attempt is still open.
      receiver.answer(503)
      a.child.kill('SIGCONT')
      await waitFor(
        () =>
          receiver.requests.length > 2 ||
          a.logs.some((l) => /found nothing to record: retry: job \d+/.test(l.message)),
        'node a recording its failed attempt',
        30_000,
      )
      expect(receiver.overlaps).toEqual(['m0 (n 0) arrived while m0 (n 0) was still being delivered'])
      // b's attempt goes through; then m1, once.
      receiver.answer(200)
      await waitFor(() => receiver.requests.includes('m1'), 'm1 delivered after m0', 30_000)
      receiver.answer(200)
      await waitFor(async () => {
        const { rows } = await queryDatabase(database.url, 'SELECT count(*)::int AS n FROM patchbay.jobs')
        return rows[0].n === 0
      }, 'the queue empty')
      expect(receiver.requests).toEqual(['m0', 'm0', 'm1'])
      expect(b.alive()).toBe(true)
    } finally {
      a.child.kill('SIGCONT')
    }
  }, 90_000)
})
