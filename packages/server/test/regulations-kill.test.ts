import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { basic, waitFor } from './_gateway.ts'
import { spawnRegulationGateway } from './_regulation-spawn.ts'

const TOKEN = 'admin_token_0123456789abcdef'
const children = new Set<ChildProcess>()
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGKILL')
      await exited
    }
  children.clear()
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pb-regulations-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A gateway in its own process (as `patchbay serve` runs it); resolves with its URL once it listens. */
function spawnGateway(dataDir: string, receiverUrl: string): Promise<{ url: string; child: ChildProcess }> {
  return spawnRegulationGateway(children, { dataDir, receiverUrl })
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGKILL')
  await exited
}

interface Arrival {
  at: number
  path: string
  body: unknown
}

/**
 * A receiver on 127.0.0.1 that notes when each request arrived (before answering), and
 * answers as `respond` says; event requests are slowed by `delayMs` so a queue builds up.
 */
async function startReceiver(respond: (a: Arrival) => number, delayMs = 0) {
  const arrivals: Arrival[] = []
  const server = createServer(async (req, res) => {
    const at = Date.now()
    let text = ''
    for await (const chunk of req) text += chunk
    const arrival = { at, path: req.url ?? '', body: text ? JSON.parse(text) : undefined }
    arrivals.push(arrival)
    if (delayMs > 0 && arrival.path === '/events') await new Promise((r) => setTimeout(r, delayMs))
    res.writeHead(respond(arrival), { 'content-type': 'application/json' }).end('{}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrivals }
}

async function admin(url: string, path: string, init: { method?: string; body?: unknown } = {}) {
  const res = await fetch(`${url}/admin/${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  })
  // biome-ignore lint/suspicious/noExplicitAny: test responses are read field by field
  return { status: res.status, body: (await res.json()) as any }
}

async function send(url: string, batch: unknown[]): Promise<number> {
  const res = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basic() },
    body: JSON.stringify({ batch }),
  })
  await res.arrayBuffer()
  return res.status
}

const userOf = (a: Arrival) => (a.body as { userId?: string } | undefined)?.userId

describe('regulations in a gateway process', () => {
  it('under load: nothing of the user is delivered after the API answered; queue and dead letters purged; deletion retried through an outage', async () => {
    let deletionsDown = 2
    const receiver = await startReceiver((a) => {
      if (a.path === '/deletions') return deletionsDown-- > 0 ? 503 : 200
      // u1's "bad" events are refused: dead letters before the regulation.
      return (a.body as { messageId?: string }).messageId?.startsWith('bad') ? 400 : 200
    }, 5)
    const g = await spawnGateway(tempDir(), receiver.url)
    expect(
      await send(
        g.url,
        [1, 2, 3].map((i) => ({ type: 'track', event: 'E', userId: 'u1', messageId: `bad-${i}` })),
      ),
    ).toBe(200)
    await waitFor(async () => (await admin(g.url, 'stats')).body.deadLetters.hook === 3, 'u1’s dead letters')

    let n = 0
    let loading = true
    const load = (async () => {
      while (loading) {
        const batch = Array.from({ length: 50 }, () => {
          n++
          return { type: 'track', event: 'E', userId: `u${n % 10}`, messageId: `m-${n}` }
        })
        expect(await send(g.url, batch)).toBe(200)
      }
    })()
    await waitFor(
      () => receiver.arrivals.filter((a) => userOf(a) === 'u1').length > 20,
      'u1 delivered under load',
    )
    const made = await admin(g.url, 'regulations', {
      method: 'POST',
      body: { type: 'suppress_with_delete', identifiers: [{ type: 'userId', value: 'u1' }] },
    })
    const answeredAt = Date.now()
    expect(made.status).toBe(201)
    expect(made.body.purged.deadLetters).toBe(3)
    const sentBefore = n
    // The load goes on, u1 included, then the queue drains.
    await waitFor(() => n > sentBefore + 1_000, 'more load after the regulation')
    loading = false
    await load
    await waitFor(
      async () => {
        const stats = (await admin(g.url, 'stats')).body
        return stats.pendingEvents === 0 && Object.keys(stats.jobs).length === 0
      },
      'the queue drained',
      30_000,
    )

    const lateU1 = receiver.arrivals.filter(
      (a) => a.path === '/events' && userOf(a) === 'u1' && a.at > answeredAt,
    )
    expect(lateU1).toEqual([])
    const lateU2 = receiver.arrivals.filter(
      (a) => a.path === '/events' && userOf(a) === 'u2' && a.at > answeredAt,
    )
    expect(lateU2.length).toBeGreaterThan(0)
    expect((await admin(g.url, 'dead-letters')).body).toEqual([])
    const metrics = await (await fetch(`${g.url}/metrics`)).text()
    expect(metrics).toMatch(/patchbay_events_suppressed_total\{source="web",where="ingest"\} [1-9]/)

    await waitFor(
      async () => (await admin(g.url, 'regulations/1')).body.deletions[0].status === 'done',
      'the deletion done',
    )
    const deletions = receiver.arrivals.filter((a) => a.path === '/deletions')
    expect(deletions).toHaveLength(3)
    expect(deletions[2]!.body).toEqual({
      type: 'delete_users',
      identifiers: [{ type: 'userId', value: 'u1' }],
    })
  })

  it('SIGKILL while a deletion is pending: after the restart it is delivered, and the suppression holds', async () => {
    let deletionsUp = false
    const receiver = await startReceiver((a) => (a.path === '/deletions' && !deletionsUp ? 503 : 200))
    const dataDir = tempDir()
    const first = await spawnGateway(dataDir, receiver.url)
    const made = await admin(first.url, 'regulations', {
      method: 'POST',
      body: {
        type: 'suppress_with_delete',
        identifiers: [
          { type: 'userId', value: 'u1' },
          { type: 'email', value: 'x@y.z' },
        ],
      },
    })
    expect(made.status).toBe(201)
    await waitFor(
      () => receiver.arrivals.filter((a) => a.path === '/deletions').length >= 2,
      'deletion attempts',
    )
    await kill(first.child)

    deletionsUp = true
    const second = await spawnGateway(dataDir, receiver.url)
    await waitFor(
      async () => (await admin(second.url, 'regulations/1')).body.deletions[0].status === 'done',
      'the deletion done after the restart',
    )
    const audit = (await admin(second.url, 'regulations/1')).body
    expect(audit.deletions[0].attempts).toBeGreaterThanOrEqual(2)
    expect(receiver.arrivals.filter((a) => a.path === '/deletions').at(-1)!.body).toEqual({
      type: 'delete_users',
      identifiers: [
        { type: 'userId', value: 'u1' },
        { type: 'email', value: 'x@y.z' },
      ],
    })
    // Still suppressed: u1 and the email's events are dropped, u2's (sent after them) arrive.
    expect(
      await send(second.url, [
        { type: 'track', event: 'E', userId: 'u1', messageId: 'after-1' },
        { type: 'identify', userId: 'u9', traits: { email: 'x@y.z' }, messageId: 'after-2' },
        { type: 'track', event: 'E', userId: 'u2', messageId: 'after-3' },
      ]),
    ).toBe(200)
    await waitFor(
      () => receiver.arrivals.some((a) => (a.body as { messageId?: string })?.messageId === 'after-3'),
      'u2’s event',
    )
    expect(
      receiver.arrivals
        .filter((a) => a.path === '/events')
        .map((a) => (a.body as { messageId: string }).messageId),
    ).toEqual(['after-3'])
  })
})
