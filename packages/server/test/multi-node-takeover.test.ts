import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { waitFor } from './_gateway.ts'
import { basic, multiNodeOptions, useMultiNodeTest } from './_multi-node.ts'
import { queryDatabase } from './store/_postgres.ts'

// A node frozen (SIGSTOP) mid-delivery past its lease, whose job another node took over and
// is delivering, thaws and learns how its own attempt went. What it records must not touch
// the job the other node now holds: a retry it scheduled made the job claimable again while
// the other node's attempt was still open, so two live nodes delivered the same job at once.

const { closers, spawnGateway, database } = useMultiNodeTest('takeover')

/** The destination: holds every request until the test answers it; records how many were open at once per message. */
async function startHoldingReceiver() {
  const open: Array<{ id: string; n: number; node: string; res: ServerResponse }> = []
  const requests: string[] = []
  /** Each request's node (the first segment of its path: each node is given its own) and message. */
  const byNode: Array<{ node: string; id: string }> = []
  const overlaps: string[] = []
  const server = createServer((req, res) => {
    res.on('error', () => {})
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      const node = req.url!.split('/')[1]!
      const held = { id: body.messageId as string, n: body.properties.n as number, node, res }
      byNode.push({ node, id: held.id })
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
    byNode,
    overlaps,
    /** Answers the oldest open request (of `node`, when given) with `status`. */
    answer(status: number, node?: string) {
      const at = node === undefined ? 0 : open.findIndex((o) => o.node === node)
      const [held] = open.splice(at, 1)
      held!.res.writeHead(status, { 'content-type': 'application/json' }).end('{}')
      return held!
    },
    /** Requests `node` sent. */
    from: (node: string) => byNode.filter((r) => r.node === node).map((r) => r.id),
  }
}

/** Posts `count` track events m0, m1, … (`n` = 0, 1, …) in one batch; returns the status. */
async function postTracks(url: string, count: number, userOf: (n: number) => string): Promise<number> {
  const batch = Array.from({ length: count }, (_, n) => ({
    type: 'track',
    event: 'Takeover',
    userId: userOf(n),
    messageId: `m${n}`,
    properties: { n },
  }))
  const res = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basic },
    body: JSON.stringify({ batch }),
  })
  return res.status
}

describe('a node thawed after another took its job over', () => {
  it('does not make the job claimable again while the other node delivers it (its failed attempt is dropped)', async () => {
    const receiver = await startHoldingReceiver()
    const a = await spawnGateway({
      receiverUrl: receiver.url,
      ordered: true,
      options: multiNodeOptions(database().url, 100),
    })
    expect(await postTracks(a.url, 2, () => 'u')).toBe(200)
    // Node a delivers m0; the destination holds it. a freezes meanwhile, past its lease.
    await waitFor(() => receiver.requests.length === 1, 'node a delivering m0')
    a.child.kill('SIGSTOP')
    try {
      const b = await spawnGateway({
        receiverUrl: receiver.url,
        ordered: true,
        options: multiNodeOptions(database().url, 100),
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
        const { rows } = await queryDatabase(database().url, 'SELECT count(*)::int AS n FROM patchbay.jobs')
        return rows[0].n === 0
      }, 'the queue empty')
      expect(receiver.requests).toEqual(['m0', 'm0', 'm1'])
      expect(b.alive()).toBe(true)
    } finally {
      a.child.kill('SIGCONT')
    }
  }, 90_000)

  it('sends none of the rest of its claim: the jobs it had not sent yet go to the other node only', async () => {
    const receiver = await startHoldingReceiver()
    // Unordered: node a claims all 12 jobs at once and sends 8 (the destination's concurrency);
    // the other 4 wait for a free slot when a is stopped.
    const a = await spawnGateway({
      receiverUrl: `${receiver.url}/a`,
      options: multiNodeOptions(database().url),
    })
    expect(await postTracks(a.url, 12, (n) => `u${n}`)).toBe(200)
    await waitFor(() => receiver.from('a').length === 8, 'node a sending 8 of its 12 jobs')
    a.child.kill('SIGSTOP')
    try {
      // Node b takes the 12 jobs over once a's lease ran out, and delivers them all.
      const b = await spawnGateway({
        receiverUrl: `${receiver.url}/b`,
        options: multiNodeOptions(database().url),
      })
      await waitFor(
        () => {
          while (receiver.open.some((o) => o.node === 'b')) receiver.answer(200, 'b')
          return new Set(receiver.from('b')).size === 12
        },
        'node b delivering the 12 jobs',
        30_000,
      )
      // a's 8 requests are answered while it is stopped; it thaws and reads the answers, which
      // free its slots for the 4 jobs it had not sent.
      while (receiver.open.some((o) => o.node === 'a')) receiver.answer(200, 'a')
      a.child.kill('SIGCONT')
      // One log per claim it withheld from (a worker may have claimed part of the 12).
      const notices = () => a.logs.filter((l) => /claimed jobs? w(as|ere) not sent/.test(l.message))
      const withheld = () => notices().reduce((n, l) => n + Number(/^\d+/.exec(l.message)?.[0]), 0)
      await waitFor(
        () => receiver.from('a').length > 8 || withheld() === 4,
        'node a withholding the 4 jobs it had not sent',
        30_000,
      )
      expect(receiver.from('a')).toHaveLength(8)
      expect(withheld()).toBe(4)
      for (const notice of notices())
        expect(notice.message).toMatch(
          /lease on (it|them) may have run out.*; 0 went back to the queue for any node/,
        )
      await waitFor(async () => {
        const { rows } = await queryDatabase(database().url, 'SELECT count(*)::int AS n FROM patchbay.jobs')
        return rows[0].n === 0
      }, 'the queue empty')
      expect(receiver.from('b')).toHaveLength(12)
      expect(a.alive() && b.alive()).toBe(true)
    } finally {
      a.child.kill('SIGCONT')
    }
  }, 90_000)
})
