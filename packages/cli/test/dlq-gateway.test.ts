// @long-pole 81: seconds in a CI run; the longest files start first (see vitest.config.ts).
import fs from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parsePipeline } from '@patchbay/core'
import { type DeadLetter, type Gateway, startGateway } from '@patchbay/server'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from './_cli.ts'

/** The server package folder: the pipeline resolves `@patchbay/destination-webhook` from here. */
const serverDir = fileURLToPath(new URL('../../server/', import.meta.url))
const WRITE_KEY = 'wk_test_0123456789'
const TOKEN = 'admin_token_0123456789abcdef'

const open: Array<() => Promise<void>> = []
const dirs: string[] = []
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close()
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

/** A webhook receiver on 127.0.0.1 answering 400 (the gateway gives up at once) until `healthy`. */
async function startReceiver() {
  const state = { healthy: false, delivered: [] as unknown[] }
  const server = createServer(async (req, res) => {
    let text = ''
    for await (const chunk of req) text += chunk
    if (state.healthy) state.delivered.push(JSON.parse(text))
    res.writeHead(state.healthy ? 200 : 400, { 'content-type': 'application/json' }).end('{}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  open.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return Object.assign(state, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
}

/** A real gateway on a free port, its own temp data dir, one webhook destination `hook`. */
async function gateway(receiverUrl: string, adminToken?: string): Promise<Gateway> {
  const yaml = `
name: test
sources:
  - id: web
    writeKey: ${WRITE_KEY}
destinations:
  - id: hook
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${receiverUrl}/events" }
egress: { allow: ["127.0.0.1"] }
`
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-dlq-gateway-'))
  dirs.push(dataDir)
  const started = await startGateway({
    pipeline: { ...parsePipeline(yaml, { file: path.join(serverDir, 'pipeline.yaml') }), baseDir: serverDir },
    options: { port: 0, dataDir, ...(adminToken ? { adminToken } : {}) },
    logSink: () => {},
  })
  open.push(() => started.close())
  return started
}

/** Posts `n` track events and waits until the gateway has made them dead letters. */
async function deadLettersOf(g: Gateway, n: number) {
  const batch = Array.from({ length: n }, (_, i) => ({
    type: 'track',
    event: 'Order Completed',
    userId: `u${i + 1}`,
    messageId: `m-${i + 1}`,
  }))
  const res = await fetch(`${g.url}/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`,
    },
    body: JSON.stringify({ batch }),
  })
  expect(res.status).toBe(200)
  await waitFor(async () => (await g.deadLetters.count()) === n, `${n} dead letters`)
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/**
 * The CLI with only the environment given: the test process's own PATCHBAY_* variables
 * (if any) must not leak in.
 */
const dlq = (args: string[], env: Record<string, string> = { PATCHBAY_ADMIN_TOKEN: TOKEN }) =>
  runCli(['dlq', ...args], {
    env: { PATCHBAY_ADMIN_TOKEN: '', PATCHBAY_GATEWAY_URL: '', PATCHBAY_DATA_DIR: '', ...env },
  })

describe('patchbay dlq --gateway (a running gateway, through its admin API)', () => {
  it('lists, shows, replays and purges while the gateway runs', async () => {
    const receiver = await startReceiver()
    const g = await gateway(receiver.url, TOKEN)
    await deadLettersOf(g, 3)
    const [first, second, third] = await g.deadLetters.list()
    const ids = [first!.id, second!.id, third!.id]

    const table = await dlq(['list', '--gateway', g.url])
    expect(table.stderr).toBe('')
    expect(table.code).toBe(0)
    const lines = table.stdout.split('\n')
    expect(lines[0]).toMatch(/^id\s+destination\s+message id\s+attempts\s+aborted at\s+reason$/)
    for (const [i, id] of ids.entries())
      expect(lines[i + 1]).toMatch(
        new RegExp(`^${id}\\s+hook\\s+m-${i + 1}\\s+1\\s+\\S+Z\\s+PB_DELIVERY_ABORTED: .*400`),
      )
    expect(lines.slice(4)).toEqual(['', '3 dead letters in all: hook 3', ''])

    const json = await dlq(['list', '--gateway', `${g.url}/`, '--json', '--limit', '2'])
    expect(json.code).toBe(0)
    const page = JSON.parse(json.stdout) as DeadLetter[]
    expect(page).toEqual(await g.deadLetters.list({ limit: 2 }))
    expect(page.map((d) => d.messageId)).toEqual(['m-1', 'm-2'])
    const next = await dlq(['list', '--gateway', g.url, '--after', String(ids[1]), '--json'])
    expect((JSON.parse(next.stdout) as DeadLetter[]).map((d) => d.id)).toEqual([ids[2]])

    const shown = await dlq(['show', String(ids[0]), '--gateway', g.url])
    expect(shown.code).toBe(0)
    expect(shown.stdout).toContain(`dead letter ${ids[0]}\ndestination  hook\nmessage id   m-1\norder key`)
    expect(shown.stdout).toContain('"event": "Order Completed"')
    const shownJson = await dlq(['show', String(ids[0]), '--gateway', g.url, '--json'])
    expect(JSON.parse(shownJson.stdout)).toEqual(first)
    const missing = await dlq(['show', '999', '--gateway', g.url])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe(
      `error No dead letter 999 in the gateway at ${g.url}: it was replayed or purged, or never existed. \`patchbay dlq list\` shows the ones there are.\n`,
    )

    receiver.healthy = true
    const replayed = await dlq(['replay', String(ids[0]), '--gateway', g.url])
    expect(replayed.stderr).toBe('')
    expect(replayed.code).toBe(0)
    expect(replayed.stdout).toBe(
      'Replayed 1 dead letter (hook 1): queued again, the gateway is delivering it now.\n',
    )
    await waitFor(() => receiver.delivered.length === 1, 'the replayed delivery')
    expect(JSON.stringify(receiver.delivered[0])).toContain('m-1')
    expect(await g.deadLetters.count()).toBe(2)

    const unknown = await dlq(['replay', '999', '--gateway', g.url])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('no dead letter with id 999')

    const unconfirmed = await dlq(['purge', '--destination', 'hook', '--gateway', g.url])
    expect(unconfirmed.code).toBe(2)
    expect(unconfirmed.stderr).toContain('pass --yes to confirm')
    expect(await g.deadLetters.count()).toBe(2)

    const purged = await dlq(['purge', '--destination', 'hook', '--yes', '--gateway', g.url])
    expect(purged.stderr).toBe('')
    expect(purged.code).toBe(0)
    expect(purged.stdout).toBe('Purged 2 dead letters (hook 2).\n')
    expect(await g.deadLetters.count()).toBe(0)

    const empty = await dlq(['list', '--gateway', g.url])
    expect(empty.stdout).toBe(`No dead letters in the gateway at ${g.url}.\n`)
    // A dozen CLI processes, each starting Node: more than the default 20 s on a busy machine.
  }, 60_000)

  it('takes the URL from PATCHBAY_GATEWAY_URL, before PATCHBAY_DATA_DIR; --data-dir still wins', async () => {
    const receiver = await startReceiver()
    const g = await gateway(receiver.url, TOKEN)
    await deadLettersOf(g, 1)
    const env = { PATCHBAY_ADMIN_TOKEN: TOKEN, PATCHBAY_GATEWAY_URL: g.url, PATCHBAY_DATA_DIR: g.dataDir }
    const viaEnv = await dlq(['list', '--json'], env)
    expect(viaEnv.code).toBe(0)
    expect(JSON.parse(viaEnv.stdout)).toHaveLength(1)
    // --data-dir goes to the store, which the running gateway holds: refused, pointing to --gateway.
    const direct = await dlq(['list', '--data-dir', g.dataDir], env)
    expect(direct.code).toBe(2)
    expect(direct.stderr).toContain('(a running gateway?) holds')
    expect(direct.stderr).toContain(
      'add --gateway URL (or set PATCHBAY_GATEWAY_URL), with PATCHBAY_ADMIN_TOKEN',
    )
    const both = await dlq(['list', '--data-dir', g.dataDir, '--gateway', g.url], env)
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('--gateway and --data-dir name different places')
  })

  it('exits 2 on a wrong token, and never prints the token', async () => {
    const receiver = await startReceiver()
    const g = await gateway(receiver.url, TOKEN)
    await deadLettersOf(g, 1)
    const wrong = 'admin_token_wrong_456789abcdef'
    for (const args of [['list'], ['show', '1'], ['replay', '--all'], ['purge', '--all', '--yes']]) {
      const r = await dlq([...args, '--gateway', g.url], { PATCHBAY_ADMIN_TOKEN: wrong })
      expect(r.code).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toBe(
        `error the gateway at ${g.url} refused the admin token (401): set PATCHBAY_ADMIN_TOKEN to the gateway's admin token, the one it was started with.\n`,
      )
      expect(r.stderr).not.toContain(wrong)
    }
    expect(await g.deadLetters.count()).toBe(1)
  })

  it('exits 2 when the gateway runs without an admin API, saying how to turn it on', async () => {
    const receiver = await startReceiver()
    const g = await gateway(receiver.url)
    const r = await dlq(['list', '--gateway', g.url])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(
      `error the gateway at ${g.url} has its admin API off: start the gateway with PATCHBAY_ADMIN_TOKEN set to turn it on, or stop it and use --data-dir.\n`,
    )
  })

  it('exits 2 when the gateway cannot be reached', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const r = await dlq(['replay', '--all', '--gateway', url])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(`error cannot reach the gateway at ${url}: connect ECONNREFUSED ${url.slice(7)}\n`)
  })

  it('exits 2 without PATCHBAY_ADMIN_TOKEN, before any request', async () => {
    let requests = 0
    const server = createServer((_req, res) => {
      requests++
      res.end('{}')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    open.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    for (const args of [['list'], ['show', '1'], ['replay', '1'], ['purge', '1', '--yes']]) {
      const r = await dlq([...args, '--gateway', url], {})
      expect(r.code).toBe(2)
      expect(r.stderr).toBe(
        "error --gateway needs the gateway's admin token: set PATCHBAY_ADMIN_TOKEN to the admin token the gateway was started with (it is read from the environment only, never from a flag, so it stays out of shell history).\n",
      )
    }
    expect(requests).toBe(0)
  })

  it('exits 2 for a URL that is not a gateway admin API', async () => {
    const server = createServer((_req, res) => res.writeHead(404).end('<html>not here</html>'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    open.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const r = await dlq(['show', '1', '--gateway', url])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`is ${url} the URL of a Patchbay gateway?`)
    const bad = await dlq(['list', '--gateway', 'ftp://example.com'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--gateway must be an http:// or https:// URL')
  })
})
