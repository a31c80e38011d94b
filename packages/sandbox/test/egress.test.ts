import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSandbox, type Sandbox, type SandboxOptions } from '../src/index.ts'

/**
 * The egress table for `fetch` in user code (issue 13, section 2), written against the
 * sandbox's public API only (createSandbox → compile → run).
 *
 * Two gates stand in front of a request: the host must match `fetch.allow` (as a string, after
 * the WHATWG URL parser has normalised it), and the address connected to must pass core's
 * egress guard (parsed numbers, checked at connect time). An address written in `fetch.allow`
 * counts as allowed by the egress policy too, so the guard is what refuses a literal that only
 * a wildcard (`*.1`) let through, and a host name that resolves to a private address.
 */

let server: Server
let port: number
const hits: string[] = []
const sandboxes: Sandbox[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url!)
    if (req.url?.startsWith('/redirect'))
      return res.writeHead(302, { location: `http://[::ffff:7f00:1]:${port}/metadata` }).end()
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  for (const s of sandboxes) await s.dispose()
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const CODE = `export async function transformEvent(event) {
  const res = await fetchV2(event.context.url)
  return { ...event, status: res.status }
}`

/** Runs one event whose transform fetches `url`; returns the status or the refusal. */
async function fetchWith(options: Pick<SandboxOptions, 'fetch' | 'egress'>, url: string) {
  const sandbox = createSandbox({ ...options, poolSize: 1 })
  sandboxes.push(sandbox)
  const t = await sandbox.compile(CODE, { filename: 'egress.js' })
  const before = hits.length
  const { results } = await t.run([
    { type: 'track', event: 'Ping', messageId: 'm-1', userId: 'u-1', context: { url } },
  ])
  const result = results[0]!
  const reached = hits.length - before
  return result.ok
    ? { status: (result.events[0] as { status: number }).status, reached }
    : { code: result.error.code, message: result.error.message, reached }
}

/** IPv4 spellings of loopback, all of which the URL parser makes 127.0.0.1. */
const LOOPBACK_V4 = [
  '127.0.0.1',
  '2130706433',
  '017700000001',
  '0x7f000001',
  '0177.0.0.1',
  '0x7f.1',
  '127.1',
  '127.0.0.1.',
  '%31%32%37.0.0.1',
]
/** The cloud metadata address in IPv4 spellings: refused, never connected to. */
const METADATA_V4 = [
  '169.254.169.254',
  '2852039166',
  '0xa9fea9fe',
  '0251.0376.0251.0376',
  '0xa9.0xfe.0xa9.0xfe',
]

describe('sandbox fetch: IPv4 literals that pass fetch.allow reach core’s egress guard', () => {
  it.each(LOOPBACK_V4)('%s: refused without an egress rule, delivered with one', async (spelling) => {
    const url = `http://${spelling}:${port}/hook`
    // `*.1` matches the normalised host 127.0.0.1 as a string; only the guard stands in the way.
    const refused = await fetchWith({ fetch: { allow: ['*.1'] } }, url)
    expect(refused).toEqual({
      code: 'PB_SANDBOX_FETCH_DENIED',
      message: expect.stringContaining(
        'sandbox fetch: egress to 127.0.0.1 is denied: it is a loopback address',
      ),
      reached: 0,
    })
    for (const rule of ['127.0.0.1', '::ffff:127.0.0.1', '127.0.0.0/8', '::ffff:7f00:0/104'])
      expect(await fetchWith({ fetch: { allow: ['*.1'] }, egress: { allow: [rule] } }, url)).toEqual({
        status: 200,
        reached: 1,
      })
  })

  it.each(METADATA_V4)('%s: refused as link-local, with nothing sent', async (spelling) => {
    const refused = await fetchWith({ fetch: { allow: ['*.254'] } }, `http://${spelling}/latest/meta-data/`)
    expect(refused).toEqual({
      code: 'PB_SANDBOX_FETCH_DENIED',
      message: expect.stringContaining(
        'sandbox fetch: egress to 169.254.169.254 is denied: it is a link-local address',
      ),
      reached: 0,
    })
    // A rule for another private range does not cover it.
    const otherRule = await fetchWith(
      { fetch: { allow: ['*.254'] }, egress: { allow: ['10.0.0.0/8', '::ffff:a9fe:a9fd'] } },
      `http://${spelling}/latest/meta-data/`,
    )
    expect(otherRule).toMatchObject({ code: 'PB_SANDBOX_FETCH_DENIED', reached: 0 })
  })

  it('0.0.0.0 (which Linux connects to loopback) is refused', async () => {
    const refused = await fetchWith({ fetch: { allow: ['*.0'] } }, `http://0.0.0.0:${port}/hook`)
    expect(refused).toMatchObject({
      code: 'PB_SANDBOX_FETCH_DENIED',
      message: expect.stringContaining('egress to 0.0.0.0 is denied: it is a this network address'),
      reached: 0,
    })
  })
})

describe('sandbox fetch: IPv6 spellings of IPv4 loopback', () => {
  const MAPPED = ['[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[0:0:0:0:0:ffff:7f00:1]']

  it.each(MAPPED)('%s: refused unless fetch.allow names the normalised address', async (spelling) => {
    const url = `http://${spelling}:${port}/hook`
    // fetch.allow compares host strings: a rule for 127.0.0.1 does not match ::ffff:7f00:1
    // (refused, never connected), whatever egress allows.
    for (const egress of [undefined, { allow: ['127.0.0.0/8'] }])
      expect(await fetchWith({ fetch: { allow: ['127.0.0.1'] }, egress }, url)).toMatchObject({
        code: 'PB_SANDBOX_FETCH_DENIED',
        message: expect.stringContaining(
          'fetch to ::ffff:7f00:1 is denied: it is not in the sandbox fetch.allow list',
        ),
        reached: 0,
      })
    // Written in fetch.allow (with or without brackets), the address is explicitly allowed.
    for (const allow of ['::ffff:7f00:1', '[::ffff:7f00:1]'])
      expect(await fetchWith({ fetch: { allow: [allow] } }, url)).toEqual({ status: 200, reached: 1 })
  })
})

describe('sandbox fetch: host names are checked at connect time', () => {
  it('a name that resolves to loopback (localhost) is refused without an egress rule and allowed by one', async () => {
    const url = `http://localhost:${port}/hook`
    const refused = await fetchWith({ fetch: { allow: ['localhost'] } }, url)
    expect(refused).toMatchObject({
      code: 'PB_SANDBOX_FETCH_DENIED',
      message: expect.stringMatching(
        /egress to localhost \((127\.0\.0\.1|::1)\) is denied: it is a loopback address/,
      ),
      reached: 0,
    })
    const other = await fetchWith({ fetch: { allow: ['localhost'] }, egress: { allow: ['10.0.0.0/8'] } }, url)
    expect(other).toMatchObject({ code: 'PB_SANDBOX_FETCH_DENIED', reached: 0 })
    // localhost may also resolve to ::1; every address it resolves to must be allowed.
    for (const allow of [['localhost'], ['::ffff:127.0.0.1', '::1'], ['127.0.0.0/8', '::1/128']])
      expect(await fetchWith({ fetch: { allow: ['localhost'] }, egress: { allow } }, url)).toEqual({
        status: 200,
        reached: 1,
      })
  })

  it('a redirect to a private address is not followed: user code sees the 302', async () => {
    const result = await fetchWith({ fetch: { allow: ['127.0.0.1'] } }, `http://127.0.0.1:${port}/redirect`)
    expect(result).toEqual({ status: 302, reached: 1 })
  })
})
