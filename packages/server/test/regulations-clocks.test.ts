import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { waitFor } from './_gateway.ts'
import { spawnRegulationGateway } from './_regulation-spawn.ts'
import { createTestDatabase } from './store/_postgres.ts'

// A regulation's deletion jobs on gateway nodes whose clocks disagree, sharing one PostgreSQL
// store: the deletion lease a node took, and the due time it wrote, must mean the same to the
// node that takes over once it dies. Real processes (the clock skewed with a preload).

const TOKEN = 'admin_token_0123456789abcdef'
const children = new Set<ChildProcess>()
const closers: Array<() => unknown> = []
let database: Awaited<ReturnType<typeof createTestDatabase>>
beforeEach(async () => {
  database = await createTestDatabase(`reg_clocks_${Math.random().toString(36).slice(2, 8)}`)
})
afterEach(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) await kill(child)
  children.clear()
  for (const close of closers.splice(0).reverse()) await close()
  await database.drop()
})

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGKILL')
  await exited
}

/** A gateway in its own process whose `Date.now` is `skewMs` off; resolves with its URL once it listens. */
function spawnGateway(receiverUrl: string, skewMs: number): Promise<{ url: string; child: ChildProcess }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-reg-clocks-'))
  closers.push(() => rmSync(dataDir, { recursive: true, force: true }))
  const options = {
    store: database.url,
    postgres: { leaseMs: 1_500, poolSize: 4, statsMaxAgeMs: 200 },
    regulations: { refreshMs: 100, deletionLeaseMs: 1_500 },
  }
  return spawnRegulationGateway(children, { dataDir, receiverUrl, options }, skewMs)
}

const admin = (url: string, path: string, body?: unknown) =>
  fetch(`${url}/admin/${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as { id: number; deletions: Array<{ status: string }> },
  }))

describe('deletion jobs on nodes whose clocks disagree', () => {
  it('a node ten minutes ahead dies holding a deletion: a node with the right clock takes it over once its lease runs out', async () => {
    // The destination's deletion endpoint holds the first node's request unanswered.
    let deletionsUp = false
    const deletions: string[] = []
    const server = createServer((req, res) => {
      res.on('error', () => {})
      req.resume()
      req.on('end', () => {
        if (req.url === '/deletions') {
          deletions.push(deletionsUp ? 'answered' : 'held')
          if (!deletionsUp) return
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    closers.push(() => {
      server.closeAllConnections()
      return new Promise((r) => server.close(r))
    })
    const receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

    const ahead = await spawnGateway(receiverUrl, 600_000)
    const made = await admin(ahead.url, 'regulations', {
      type: 'suppress_with_delete',
      identifiers: [{ type: 'userId', value: 'gone-user' }],
    })
    expect(made.status).toBe(201)
    await waitFor(() => deletions.includes('held'), 'the deletion attempted by the node ten minutes ahead')
    await kill(ahead.child)

    deletionsUp = true
    const right = await spawnGateway(receiverUrl, 0)
    await waitFor(
      async () =>
        (await admin(right.url, `regulations/${made.body.id}`)).body.deletions[0]?.status === 'done',
      'the deletion taken over and done by the node with the right clock',
      30_000,
    )
    expect(deletions.at(-1)).toBe('answered')
  }, 90_000)

  it('a node ten minutes ahead shows the times of what it looks up in its own clock, as its dead letters', async () => {
    // The destination refuses every event (400): each becomes a dead letter.
    const server = createServer((req, res) => {
      req.resume()
      req.on('end', () => res.writeHead(400, { 'content-type': 'application/json' }).end('{}'))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    closers.push(() => {
      server.closeAllConnections()
      return new Promise((r) => server.close(r))
    })
    const ahead = await spawnGateway(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 600_000)
    const sent = await fetch(`${ahead.url}/v1/track`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from('wk_test_0123456789:').toString('base64')}`,
      },
      body: JSON.stringify({ type: 'track', event: 'Refused', userId: 'u', messageId: 'refused-1' }),
    })
    expect(sent.status).toBe(200)
    const letters = async () =>
      (await (
        await fetch(`${ahead.url}/admin/dead-letters`, { headers: { authorization: `Bearer ${TOKEN}` } })
      ).json()) as Array<{ messageId: string; abortedAt: number }>
    await waitFor(async () => (await letters()).length === 1, 'the refused event a dead letter')
    const [letter] = await letters()
    const lookup = (await (
      await fetch(`${ahead.url}/console/api/lookup?messageId=refused-1`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      })
    ).json()) as { stored: Array<{ state: string; at: number }> }
    expect(lookup.stored.map((m) => ({ state: m.state, at: m.at }))).toEqual([
      { state: 'dead_letter', at: letter!.abortedAt },
    ])
  }, 60_000)
})
