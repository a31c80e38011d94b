import { spawn } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { fixtures, runCli } from './_cli.ts'

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const scratch: string[] = []
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A copy of the fixture destination inside the fixtures folder (so it resolves @patchbay/core). */
function copyConnector() {
  const dir = mkdtempSync(join(fixtures, '.tmp-dev-'))
  scratch.push(dir)
  cpSync(join(fixtures, 'broken-connector'), dir, { recursive: true })
  return dir
}

describe('patchbay dev', () => {
  it('--once runs the sample events it supports through the destination and prints what it would send', async () => {
    const r = await runCli(['dev', copyConnector(), '--once'])
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('── broken-connector@1.0.0: 1 events')
    expect(r.stdout).toMatch(/→ POST \/ {2}track "Order Completed"/)
  })

  it('--once exits 1 when an event fails', async () => {
    const dir = copyConnector()
    writeFileSync(
      join(dir, 'events.jsonl'),
      '{"type":"track","event":"A","userId":"u"}\n{"type":"page","userId":"u"}\n',
    )
    const r = await runCli(['dev', dir, '--once', '--input', join(dir, 'events.jsonl')])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      'failed: destinations.dev (broken-connector@1.0.0) does not support page events',
    )
  })

  it('--to sends each request to a local server, keeping path and query', async () => {
    const got: Array<{ url: string; body: string; original: string }> = []
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (c) => (body += c))
      req.on('end', () => {
        got.push({ url: req.url!, body, original: String(req.headers['x-patchbay-original-url']) })
        res.writeHead(202).end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as AddressInfo
      const r = await runCli(['dev', copyConnector(), '--once', '--to', `http://127.0.0.1:${port}`])
      expect(r.code).toBe(0)
      expect(r.stderr).toContain(`sending to http://127.0.0.1:${port}`)
      expect(got).toMatchObject([{ url: '/', original: 'https://hooks.example.com/' }])
      expect(JSON.parse(got[0]!.body)).toMatchObject({ type: 'track', event: 'Order Completed' })
    } finally {
      server.close()
    }
  })

  it('runs a transformation over sample events and prints what comes out; --once exits 1 on a failure', async () => {
    const dir = `${fixtures}dev-transformation`
    const r = await runCli(['dev', dir, '--once'])
    expect(r.code).toBe(0)
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(out.map((e) => e.type)).toEqual(['identify', 'track'])
    expect(out[1]).toMatchObject({ event: 'Order Completed', properties: { tag: 'dev' } })
    expect(r.stderr).toMatch(/dropped \(returned null\)/)
    const input = join(mkdtempSync(join(fixtures, '.tmp-dev-')), 'events.jsonl')
    scratch.push(dirname(input))
    writeFileSync(input, '{"type":"track","event":"Bad","userId":"u"}\n')
    const bad = await runCli(['dev', dir, '--once', '--input', input])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('Bad events are refused')
  })

  it("parses a source's request fixtures with --once", async () => {
    const r = await runCli(['dev', `${fixtures}dev-source`, '--once'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({
      type: 'track',
      anonymousId: 'v-1',
      properties: { source: 'fixture' },
    })
  })

  it("runs a source through core's source stage: its secret is redacted from its logs and errors, and events the gateway would refuse fail", async () => {
    const dir = mkdtempSync(join(fixtures, '.tmp-dev-'))
    scratch.push(dir)
    const request = (name: string, value: unknown) => {
      writeFileSync(join(dir, name), JSON.stringify({ request: value }))
      return join(dir, name)
    }
    const ok = await runCli(['dev', `${fixtures}dev-source`, '--once'])
    expect(ok.code).toBe(0)
    expect(ok.stderr).toContain('checking x-signature against [redacted]')
    const unsigned = await runCli([
      'dev',
      `${fixtures}dev-source`,
      '--once',
      '--input',
      request('unsigned.json', { body: { visitor: 'v-2' } }),
    ])
    expect(unsigned.code).toBe(1)
    expect(unsigned.stderr).toContain('PB_EVENT_INVALID: bad signature: expected [redacted]')
    expect(`${ok.stdout}${ok.stderr}${unsigned.stdout}${unsigned.stderr}`).not.toContain('whsec_dev')
    // The gateway answers 400 to a request whose events are not valid: dev says so too.
    const invalid = await runCli([
      'dev',
      `${fixtures}dev-source`,
      '--once',
      '--input',
      request('invalid.json', { headers: { 'x-signature': 'whsec_dev' }, body: { noIdentity: true } }),
    ])
    expect(invalid.code).toBe(1)
    expect(invalid.stderr).toMatch(/PB_EVENT_INVALID: .*event 0 .*(userId|anonymousId)/)
  })

  it('serves a source locally: headers, query and raw body reach it; refusals answer 400', {
    timeout: 60_000,
  }, async () => {
    const child = spawn(
      process.execPath,
      [
        '--no-node-snapshot',
        '--conditions=@patchbay/source',
        main,
        'dev',
        `${fixtures}dev-source`,
        '--serve',
        '--port',
        '0',
      ],
      { env: { ...process.env, NO_COLOR: '1' } },
    )
    let out = ''
    child.stdout.on('data', (c) => (out += c))
    child.stderr.on('data', (c) => (out += c))
    try {
      for (let i = 0; i < 300 && !out.includes('listening on'); i++)
        await new Promise((r) => setTimeout(r, 100))
      const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1]
      expect(port).toBeDefined()
      const post = (headers: Record<string, string>) =>
        fetch(`http://127.0.0.1:${port}/hooks?src=form`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ visitor: 'v-9' }),
        })
      const ok = await post({ 'x-signature': 'whsec_dev' })
      expect(ok.status).toBe(200)
      expect(await ok.json()).toEqual({ events: 1 })
      // The child prints the events; its output reaches us after the answer does.
      for (let i = 0; i < 300 && !out.includes('"source":"form"'); i++)
        await new Promise((r) => setTimeout(r, 100))
      expect(out).toContain('"anonymousId":"v-9"')
      expect(out).toContain('"source":"form"')
      const refused = await post({ 'x-signature': 'wrong' })
      expect(refused.status).toBe(400)
      // The source quotes its secret in the refusal and its log line: both reach us redacted.
      expect(await refused.json()).toEqual({ error: 'PB_EVENT_INVALID: bad signature: expected [redacted]' })
      expect(out).toContain('checking x-signature against [redacted]')
      expect(out).not.toContain('whsec_dev')
    } finally {
      child.kill('SIGTERM')
    }
  })

  it('watches the package and runs again with the edited code', { timeout: 60_000 }, async () => {
    const dir = copyConnector()
    const child = spawn(
      process.execPath,
      ['--no-node-snapshot', '--conditions=@patchbay/source', main, 'dev', dir],
      {
        env: { ...process.env, NO_COLOR: '1' },
      },
    )
    let out = ''
    child.stdout.on('data', (c) => (out += c))
    child.stderr.on('data', (c) => (out += c))
    const waitFor = async (text: string) => {
      for (let i = 0; i < 300 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 100))
      expect(out).toContain(text)
    }
    try {
      await waitFor('watching')
      await waitFor('"event":"Order Completed"')
      const file = join(dir, 'src', 'index.js')
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace('body: event', 'body: { edited: true, name: event.event }'),
      )
      await waitFor('{"edited":true,"name":"Order Completed"}')
    } finally {
      child.kill('SIGTERM')
    }
  })
})
