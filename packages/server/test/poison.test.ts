// @long-pole 154: seconds in a CI run; the longest files start first (see vitest.config.ts).
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { LogRecord } from '@patchbay/core'
import { afterEach, describe, expect, it } from 'vitest'
import { basic, startReceiver, waitFor } from './_gateway.ts'

const script = fileURLToPath(new URL('./_poison-gateway.ts', import.meta.url))
const ADMIN = { authorization: 'Bearer admin_token_0123456789' }

const children = new Set<ChildProcess>()
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGKILL')
      await exited
    }
  }
  children.clear()
  for (const c of cleanups.splice(0)) await c()
})

interface Run {
  child: ChildProcess
  url: string
  logs: LogRecord[]
}

function startRun(dataDir: string, receiverUrl: string, ...extra: string[]): Promise<Run> {
  const child = spawn(
    process.execPath,
    ['--no-node-snapshot', '--conditions=@patchbay/source', script, dataDir, receiverUrl, ...extra],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  children.add(child)
  let stderr = ''
  child.stderr!.on('data', (chunk) => {
    stderr += chunk
  })
  const logs: LogRecord[] = []
  return new Promise<Run>((resolve, reject) => {
    let buffered = ''
    child.stdout!.on('data', (chunk) => {
      buffered += chunk
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        if (line.startsWith('log ')) logs.push(JSON.parse(line.slice(4)))
        else if (line.startsWith('ready ')) resolve({ child, url: line.slice(6), logs })
      }
    })
    child.once('exit', (code, signal) =>
      reject(new Error(`the gateway exited before it was ready (${signal ?? code}): ${stderr}`)),
    )
  })
}

/** Polls /health every 100 ms; counts answers that were not a 200 within 2 s. */
function watchHealth(run: { url: string | undefined }) {
  const state = { ok: 0, missed: [] as string[], stop: false }
  const loop = (async () => {
    while (!state.stop) {
      const url = run.url
      if (url) {
        try {
          // A frozen host never answers; a loaded CI machine (fsyncs queued behind npm installs)
          // has made a live one take over 2 s, so the watch allows 10.
          const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(10_000) })
          if (res.status === 200) state.ok++
          else state.missed.push(`status ${res.status}`)
          await res.arrayBuffer()
        } catch (error) {
          if (run.url === url) state.missed.push((error as Error).message)
        }
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  })()
  return {
    state,
    async stop() {
      state.stop = true
      await loop
    },
  }
}

/** Delivered messageIds (a delivery cut by a kill may arrive twice: at-least-once). */
const ids = (receiver: { received: Array<{ body: unknown }> }) =>
  new Set(receiver.received.map((r) => (r.body as { messageId: string }).messageId))
const ev = (name: string, id: string) => ({ type: 'track', event: name, userId: 'u1', messageId: id })
async function send(url: string, batch: unknown[]) {
  const res = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basic() },
    body: JSON.stringify({ batch }),
  })
  expect(res.status).toBe(200)
}
async function deadLetters(url: string) {
  const res = await fetch(`${url}/admin/dead-letters`, { headers: ADMIN })
  return (await res.json()) as Array<{
    messageId: string
    attempts: number
    reason: string
    payload: { event: string }
  }>
}

describe('a poison pill in the gateway', () => {
  it('is dead-lettered after 3 attempts that take the sandbox down, across a restart, with /health answering throughout', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pb-poison-'))
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
    const receiver = await startReceiver()
    cleanups.push(() => receiver.close())

    const current = { url: undefined as string | undefined }
    let run = await startRun(dataDir, receiver.url)
    current.url = run.url
    const health = watchHealth(current)

    await send(run.url, [ev('Ok', 'ok-1'), ev('Poison', 'poison-1'), ev('Ok', 'ok-2')])
    // Its neighbours go through at the first attempt, bisected away from it.
    await waitFor(
      () => ids(receiver).has('ok-1') && ids(receiver).has('ok-2'),
      'ok-1 and ok-2 delivered',
      60_000,
    )
    await waitFor(
      () =>
        run.logs.some(
          (l) =>
            l.message.includes('event poison-1 from source web took the sandbox down') &&
            l.message.includes('(attempt 1 of 3)'),
        ),
      'the first attempt on poison-1 failed',
      60_000,
    )

    // The gateway dies with the poison pill still pending; it starts again and answers at once.
    current.url = undefined
    run.child.kill('SIGKILL')
    await new Promise((r) => run.child.once('exit', r))
    run = await startRun(dataDir, receiver.url)
    current.url = run.url
    await send(run.url, [ev('Ok', 'ok-3')])

    await waitFor(
      () =>
        run.logs.some((l) =>
          l.message.includes(
            'event poison-1 from source web failed at transformations.user: PB_SANDBOX_POISON',
          ),
        ),
      'poison-1 dead-lettered',
      90_000,
    )
    await waitFor(() => ids(receiver).has('ok-3'), 'ok-3 delivered', 60_000)
    const letters = await deadLetters(run.url)
    expect(letters).toHaveLength(1)
    expect(letters[0]).toMatchObject({ messageId: 'poison-1', attempts: 3, payload: { event: 'Poison' } })
    expect(letters[0]!.reason).toContain('PB_SANDBOX_POISON')
    expect([...ids(receiver)].sort()).toEqual(['ok-1', 'ok-2', 'ok-3'])

    // A third start: nothing left to run, and the poison pill is never run again.
    current.url = undefined
    run.child.kill('SIGKILL')
    await new Promise((r) => run.child.once('exit', r))
    run = await startRun(dataDir, receiver.url)
    current.url = run.url
    await send(run.url, [ev('Ok', 'ok-4')])
    await waitFor(() => ids(receiver).has('ok-4'), 'ok-4 delivered', 60_000)
    expect(run.logs.some((l) => l.message.includes('poison-1'))).toBe(false)

    await health.stop()
    expect(health.state.missed).toEqual([])
    expect(health.state.ok).toBeGreaterThan(10)
  }, 240_000)

  it('survives hostile rejection reasons (dead-lettered) and fetch floods (held to the fetch budgets)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pb-hostile-'))
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
    const receiver = await startReceiver()
    cleanups.push(() => receiver.close())
    // The flood's target: counts requests and the most at once; answers each after 20 ms.
    const flood = { received: 0, inFlight: 0, peak: 0 }
    const target = createServer((_req, res) => {
      flood.received++
      flood.inFlight++
      flood.peak = Math.max(flood.peak, flood.inFlight)
      res.on('close', () => flood.inFlight--)
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), 20)
    })
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve))
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          target.closeAllConnections()
          target.close(() => resolve())
        }),
    )
    const host = `127.0.0.1:${(target.address() as AddressInfo).port}`

    const current = { url: undefined as string | undefined }
    const run = await startRun(dataDir, receiver.url, 'hostile.js', host)
    current.url = run.url
    const health = watchHealth(current)
    const flooding = { ...ev('Flood', 'flood-1'), properties: { url: `http://${host}/x` } }
    await send(run.url, [ev('Ok', 'ok-1'), ev('Getter', 'getter-1'), ev('Ok', 'ok-2')])
    await waitFor(
      () => run.logs.some((l) => l.message.includes('event getter-1 from source web took the sandbox down')),
      'the first attempt on getter-1 failed',
      // Three sandbox take-downs (the batch, then its halves), each waiting out the 5 s wall
      // time and starting a new worker: a minute and more on a loaded CI machine.
      120_000,
    )
    await send(run.url, [flooding])

    await waitFor(
      () => ['ok-1', 'ok-2', 'flood-1'].every((id) => ids(receiver).has(id)),
      'ok-1, ok-2 and flood-1 delivered',
      // ok-1 and ok-2 wait for the halves of their batch to be run again (more take-downs and
      // worker starts). The whole case took 44 s alone and 69 s with six busy loops beside
      // it; a CI run at load 15-21 (a bench and type-checks beside the suite) waited here
      // over 120 s.
      // A frozen host still fails the test at once, through its /health watch.
      240_000,
    )
    await waitFor(
      () =>
        run.logs.some((l) =>
          l.message.includes(
            'event getter-1 from source web failed at transformations.user: PB_SANDBOX_POISON after 3 attempt',
          ),
        ),
      'getter-1 dead-lettered',
      90_000,
    )
    expect((await deadLetters(run.url)).map((d) => d.messageId)).toEqual(['getter-1'])
    // At most fetch.maxRequests of the 1500, at most fetch.maxConcurrent at once, none left open.
    expect(flood.received).toBe(50)
    expect(flood.peak).toBeLessThanOrEqual(4)
    await waitFor(() => flood.inFlight === 0, 'every flood request aborted', 20_000)

    await health.stop()
    expect(health.state.missed).toEqual([])
  }, 480_000)
})
