import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Sandbox } from '../src/index.ts'
import { sandboxFor, summarize, track } from './_helpers.ts'

let server: Server
let base: string
let port: number
/** The test server as a fetch.allow entry: host and port. */
let here: string
const sandboxes: Sandbox[] = []
/**
 * The test server is on loopback, which the egress policy refuses unless allowed: a
 * `fetch.allow` entry lets user code ask for it, `egress.allow` lets the sandbox reach it.
 */
const open = (options: Parameters<typeof sandboxFor>[0] = {}) => {
  const s = sandboxFor({ egress: { allow: ['127.0.0.1'] }, ...options })
  sandboxes.push(s)
  return s
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      if (req.url === '/json')
        return res
          .writeHead(200, { 'content-type': 'application/json', 'x-trace': 't-1' })
          .end('{"plan":"pro"}')
      if (req.url === '/text') return res.writeHead(500).end('not json')
      if (req.url === '/echo')
        return res
          .writeHead(200, { 'x-echo': 'yes' })
          .end(JSON.stringify({ method: req.method, auth: req.headers.authorization, body }))
      if (req.url === '/big') return res.writeHead(200).end('x'.repeat(50_000))
      if (req.url === '/hang') return // never answers
      if (req.url === '/slow') return setTimeout(() => res.writeHead(200).end('{"slow":true}'), 50)
      res.writeHead(404).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
  base = `http://127.0.0.1:${port}`
  here = `127.0.0.1:${port}`
})
afterAll(async () => {
  for (const s of sandboxes) await s.dispose()
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const lookup = `export async function transformEvent(event) {
  const account = await fetch(event.context.url)
  return { ...event, account }
}`
const withUrl = (id: string, url: string) => track(id, { context: { url } })

describe('fetch', () => {
  it('is refused when the sandbox allows no hosts', async () => {
    const t = await open().compile(lookup, { filename: 'lookup.js' })
    const { results } = await t.run([withUrl('m-1', `${base}/json`)])
    expect(summarize(results[0]!)).toEqual({
      code: 'PB_SANDBOX_FETCH_DENIED',
      message:
        'lookup.js:2:25: fetch is not enabled in this sandbox: no hosts are allowed (sandbox fetch.allow) (event m-1)',
    })
  })

  it('is refused for a host that is not in fetch.allow', async () => {
    const t = await open({ fetch: { allow: ['api.example.com'] } }).compile(lookup, { filename: 'lookup.js' })
    const { results } = await t.run([withUrl('m-1', `${base}/json`)])
    expect(results[0]).toMatchObject({
      ok: false,
      error: {
        code: 'PB_SANDBOX_FETCH_DENIED',
        message: expect.stringContaining(
          `fetch to 127.0.0.1:${port} is denied: it is not in the sandbox fetch.allow list (api.example.com)`,
        ),
      },
    })
  })

  it('resolves to the JSON body for an allowed host, and to "ERROR" when it fails (RudderStack semantics)', async () => {
    const t = await open({ fetch: { allow: [here] } }).compile(lookup, { filename: 'lookup.js' })
    const { results } = await t.run([withUrl('m-1', `${base}/json`), withUrl('m-2', `${base}/text`)])
    expect(summarize(results[0]!)).toEqual([{ ...withUrl('m-1', `${base}/json`), account: { plan: 'pro' } }])
    expect(summarize(results[1]!)).toEqual([{ ...withUrl('m-2', `${base}/text`), account: 'ERROR' }])
  })

  it('fetchV2 gives status, headers and body, and sends method, headers and body', async () => {
    const t = await open({ fetch: { allow: [here] } }).compile(
      `export async function transformEvent(event) {
        const res = await fetchV2(event.context.url, { method: 'POST', headers: { authorization: 'Bearer t' }, body: JSON.stringify({ id: event.messageId }) })
        return { ...event, res }
      }`,
      { filename: 'v2.js' },
    )
    const { results } = await t.run([withUrl('m-1', `${base}/echo`)])
    if (!results[0]!.ok) throw results[0]!.error
    expect((results[0]!.events[0] as { res: unknown }).res).toEqual({
      url: `${base}/echo`,
      status: 200,
      headers: expect.objectContaining({ 'x-echo': 'yes' }),
      body: { method: 'POST', auth: 'Bearer t', body: '{"id":"m-1"}' },
    })
  })

  it('runs the fetches of a batch concurrently and answers each event', async () => {
    const t = await open({ fetch: { allow: [here] } }).compile(lookup, { filename: 'lookup.js' })
    const events = Array.from({ length: 20 }, (_, i) => withUrl(`m-${i}`, `${base}/json`))
    const { results } = await t.run(events)
    expect(results.every((r) => r.ok && (r.events[0] as { account: unknown }).account !== 'ERROR')).toBe(true)
  })

  it('holds a worker per batch while it awaits: concurrent batches use the pool, or queue when it is full', async () => {
    for (const poolSize of [2, 1]) {
      const sandbox = open({ fetch: { allow: [here] }, poolSize })
      const t = await sandbox.compile(lookup, { filename: 'concurrent.js' })
      const runs = await Promise.all([1, 2, 3].map((n) => t.run([withUrl(`m-${n}`, `${base}/slow`)])))
      for (const { results } of runs)
        expect((results[0] as { events: Array<{ account: unknown }> }).events[0]!.account).toEqual({
          slow: true,
        })
      expect(sandbox.stats().workersStarted).toBe(poolSize)
    }
  })

  it('checks the resolved address against the egress policy: a name that resolves to loopback needs egress.allow', async () => {
    const code = `export async function transformEvent(event) { return { ...event, res: await fetchV2(event.context.url) } }`
    const url = base.replace('127.0.0.1', 'localhost')
    const refused = await open({ fetch: { allow: [`localhost:${port}`] }, egress: {} }).compile(code, {
      filename: 'egress.js',
    })
    const { results } = await refused.run([withUrl('m-1', `${url}/json`)])
    expect(results[0]).toMatchObject({
      ok: false,
      error: {
        code: 'PB_SANDBOX_FETCH_DENIED',
        message: expect.stringContaining('it is a loopback address'),
      },
    })
    const allowed = await open({
      fetch: { allow: [`localhost:${port}`] },
      egress: { allow: ['localhost'] },
    }).compile(code, {
      filename: 'egress.js',
    })
    expect((await allowed.run([withUrl('m-1', `${url}/json`)])).results[0]!.ok).toBe(true)
  })

  it('refuses response bodies over maxResponseBytes', async () => {
    const t = await open({ fetch: { allow: [here], maxResponseBytes: 1000 } }).compile(
      `export async function transformEvent(event) { await fetchV2(event.context.url); return event }`,
      { filename: 'big.js' },
    )
    const { results } = await t.run([withUrl('m-1', `${base}/big`)])
    expect(results[0]).toMatchObject({
      ok: false,
      error: {
        message: expect.stringContaining('the response body is over the sandbox limit of 1000 bytes'),
      },
    })
  })

  it('times a request out after fetch.timeoutMs', async () => {
    const t = await open({ fetch: { allow: [here], timeoutMs: 100 } }).compile(
      `export async function transformEvent(event) { await fetchV2(event.context.url); return event }`,
      { filename: 'slow.js' },
    )
    const { results } = await t.run([withUrl('m-1', `${base}/hang`)])
    expect(results[0]).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('timed out after 100 ms') },
    })
  })

  it('fails the batch at the wall-clock limit when it waits too long, then serves the next batch', async () => {
    const sandbox = open({ fetch: { allow: [here], timeoutMs: 60_000 }, wallTimeMs: 200 })
    const t = await sandbox.compile(
      `export async function transformEvent(event) {
        if (event.context) await fetchV2(event.context.url)
        return event
      }`,
      { filename: 'wait.js' },
    )
    const { results } = await t.run([withUrl('m-1', `${base}/hang`)])
    expect(summarize(results[0]!)).toEqual({
      code: 'PB_SANDBOX_TIMEOUT',
      message:
        'wait.js: the batch did not finish within 200 ms, awaited promises and fetches included; the batch of 1 event failed',
    })
    expect((await t.run([track('m-2')])).results[0]).toEqual({ ok: true, events: [track('m-2')] })
  })

  it('applies the CPU limit to code that runs after an awaited fetch', async () => {
    const sandbox = open({ fetch: { allow: [here] }, cpuTimeMs: 100 })
    const t = await sandbox.compile(
      `export async function transformEvent(event) {
        await fetch(event.context.url)
        while (true) {}
      }`,
      { filename: 'spin.js' },
    )
    const { results } = await t.run([withUrl('m-1', `${base}/json`)])
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'PB_SANDBOX_TIMEOUT' } })
  })

  it('is refused at the top level of the module, outside any batch', async () => {
    const error = await open({ fetch: { allow: [here] } })
      .compile(
        `const config = await fetchV2('${base}/json')\nexport function transformEvent(e) { return e }`,
        {
          filename: 'top.js',
        },
      )
      .catch((e) => e)
    expect(error.code).toBe('PB_SANDBOX_COMPILE')
    expect(error.message).toContain('fetch can only be called while events are being transformed')
  })
})
