import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSandbox, type Sandbox, type SandboxOptions, type SandboxTransform } from '../src/index.ts'

/**
 * The egress table for `fetch` in user code (issue 13, section 2), written against the
 * sandbox's public API only (createSandbox → compile → run).
 *
 * Two gates stand in front of a request, and both must pass: the host and port must match
 * `fetch.allow` (names as names; addresses as parsed numbers, so every spelling of 127.0.0.1
 * matches `127.0.0.1:PORT`), and the address connected to must pass core's egress guard
 * (parsed numbers, checked at connect time). An address in `fetch.allow` is not an egress rule:
 * loopback stays refused until `egress.allow` names it.
 */

let server: Server
let port: number
const hits: string[] = []
/** A second loopback server: what an allow entry for the first one's port must not reach. */
let other: Server
let otherPort: number
let otherHits = 0

beforeAll(async () => {
  // Every response closes its connection, so no request rides on a socket an earlier one
  // opened: each one is connected afresh, and meets the connect-time egress check, even in a
  // sandbox reused from an earlier case.
  server = createServer((req, res) => {
    hits.push(req.url!)
    if (req.url?.startsWith('/redirect'))
      return res
        .writeHead(302, { location: `http://[::ffff:7f00:1]:${port}/metadata`, connection: 'close' })
        .end()
    res.writeHead(200, { 'content-type': 'application/json', connection: 'close' }).end('{"ok":true}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
  other = createServer((_req, res) => {
    otherHits++
    res.writeHead(200, { connection: 'close' }).end('{}')
  })
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
  otherPort = (other.address() as AddressInfo).port
})
afterAll(async () => {
  for (const entry of [...warm.values()]) await (await entry).sandbox.dispose()
  warm.clear()
  for (const s of [server, other]) {
    s.closeAllConnections()
    await new Promise((resolve) => s.close(resolve))
  }
})

const CODE = `export async function transformEvent(event) {
  const res = await fetchV2(event.context.url)
  return { ...event, status: res.status }
}`

type Options = Pick<SandboxOptions, 'fetch' | 'egress'>
/**
 * Sandboxes by option set, most recently used last. Starting a worker process is what makes
 * this suite slow (about a second each on a loaded machine), and the cases ask the same few
 * option sets about many spellings of an address; a sandbox holds nothing of one request that
 * decides the next (fetch budgets are per batch, and the servers close every connection), so
 * each option set gets one sandbox, reused. At most WARM are kept alive at once.
 */
const warm = new Map<string, Promise<{ sandbox: Sandbox; transform: SandboxTransform }>>()
const WARM = 8

function sandboxFor(options: Options): Promise<{ sandbox: Sandbox; transform: SandboxTransform }> {
  const key = JSON.stringify(options)
  let entry = warm.get(key)
  if (entry) warm.delete(key)
  else {
    entry = (async () => {
      const sandbox = createSandbox({ ...options, poolSize: 1 })
      return { sandbox, transform: await sandbox.compile(CODE, { filename: 'egress.js' }) }
    })()
    if (warm.size >= WARM) {
      const [oldestKey, oldest] = warm.entries().next().value!
      warm.delete(oldestKey)
      void oldest.then(({ sandbox }) => sandbox.dispose())
    }
  }
  warm.set(key, entry)
  return entry
}

/**
 * Starts the sandboxes a case is about to use all at once (worker processes start faster side
 * by side than one after another); the case still asks them one at a time.
 */
function warmUp(sets: Options[]): void {
  for (const options of sets) void sandboxFor(options)
}

/** Runs one event whose transform fetches `url`; returns the status or the refusal. */
async function fetchWith(options: Options, url: string) {
  const { transform } = await sandboxFor(options)
  const before = hits.length
  const { results } = await transform.run([
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

/** Every way `fetch.allow` can name 127.0.0.1 on the test server's port. */
const ALLOW_LOOPBACK = () => [
  `127.0.0.1:${port}`,
  `[::ffff:127.0.0.1]:${port}`,
  `[::ffff:7f00:1]:${port}`,
  `[0:0:0:0:0:ffff:7f00:1]:${port}`,
]

describe('sandbox fetch: IPv4 literals that pass fetch.allow reach core’s egress guard', () => {
  it.each(LOOPBACK_V4)('%s: refused without an egress rule, delivered with one', async (spelling) => {
    const url = `http://${spelling}:${port}/hook`
    const rules = ['127.0.0.1', '::ffff:127.0.0.1', '127.0.0.0/8', '::ffff:7f00:0/104']
    warmUp([
      { fetch: { allow: [`127.0.0.1:${port}`] } },
      ...rules.map((rule) => ({ fetch: { allow: [`127.0.0.1:${port}`] }, egress: { allow: [rule] } })),
    ])
    // fetch.allow matches (the URL parser makes it 127.0.0.1); only the guard stands in the way.
    const refused = await fetchWith({ fetch: { allow: [`127.0.0.1:${port}`] } }, url)
    expect(refused).toEqual({
      code: 'PB_SANDBOX_FETCH_DENIED',
      message: expect.stringContaining(
        'sandbox fetch: egress to 127.0.0.1 is denied: it is a loopback address',
      ),
      reached: 0,
    })
    for (const rule of rules)
      expect(
        await fetchWith({ fetch: { allow: [`127.0.0.1:${port}`] }, egress: { allow: [rule] } }, url),
      ).toEqual({ status: 200, reached: 1 })
  })

  it.each(METADATA_V4)('%s: refused as link-local, with nothing sent', async (spelling) => {
    // Every spelling of the address in fetch.allow matches; the egress guard refuses it.
    for (const allow of ['169.254.169.254', '[::ffff:169.254.169.254]', '[::ffff:a9fe:a9fe]:80']) {
      const refused = await fetchWith({ fetch: { allow: [allow] } }, `http://${spelling}/latest/meta-data/`)
      expect(refused).toEqual({
        code: 'PB_SANDBOX_FETCH_DENIED',
        message: expect.stringContaining(
          'sandbox fetch: egress to 169.254.169.254 is denied: it is a link-local address',
        ),
        reached: 0,
      })
    }
    // A rule for another private range does not cover it.
    const otherRule = await fetchWith(
      { fetch: { allow: ['169.254.169.254'] }, egress: { allow: ['10.0.0.0/8', '::ffff:a9fe:a9fd'] } },
      `http://${spelling}/latest/meta-data/`,
    )
    expect(otherRule).toMatchObject({
      code: 'PB_SANDBOX_FETCH_DENIED',
      message: expect.stringContaining('it is a link-local address'),
      reached: 0,
    })
  })

  it('0.0.0.0 (which Linux connects to loopback) is refused', async () => {
    const refused = await fetchWith({ fetch: { allow: [`0.0.0.0:${port}`] } }, `http://0.0.0.0:${port}/hook`)
    expect(refused).toMatchObject({
      code: 'PB_SANDBOX_FETCH_DENIED',
      message: expect.stringContaining('egress to 0.0.0.0 is denied: it is a this network address'),
      reached: 0,
    })
  })
})

describe('sandbox fetch: IPv6 spellings of IPv4 loopback', () => {
  const MAPPED = ['[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[0:0:0:0:0:ffff:7f00:1]']

  it.each(MAPPED)(
    '%s: matches an allow entry for 127.0.0.1:PORT in any spelling, then needs egress',
    async (spelling) => {
      const url = `http://${spelling}:${port}/hook`
      warmUp(
        ALLOW_LOOPBACK().flatMap((allow) => [
          { fetch: { allow: [allow] } },
          { fetch: { allow: [allow] }, egress: { allow: ['127.0.0.1'] } },
        ]),
      )
      for (const allow of ALLOW_LOOPBACK()) {
        // fetch.allow matches by number; the egress guard still refuses loopback...
        expect(await fetchWith({ fetch: { allow: [allow] } }, url)).toEqual({
          code: 'PB_SANDBOX_FETCH_DENIED',
          message: expect.stringContaining(
            'sandbox fetch: egress to ::ffff:7f00:1 is denied: it is a loopback address (IPv4-mapped 127.0.0.1)',
          ),
          reached: 0,
        })
        // ...until egress allows it.
        expect(await fetchWith({ fetch: { allow: [allow] }, egress: { allow: ['127.0.0.1'] } }, url)).toEqual(
          {
            status: 200,
            reached: 1,
          },
        )
      }
    },
  )

  it('an IPv6-mapped allow entry matches the plain IPv4 URL too', async () => {
    for (const allow of ALLOW_LOOPBACK())
      expect(
        await fetchWith(
          { fetch: { allow: [allow] }, egress: { allow: ['127.0.0.1'] } },
          `http://127.0.0.1:${port}/hook`,
        ),
      ).toEqual({ status: 200, reached: 1 })
  })
})

describe('sandbox fetch: fetch.allow ports', () => {
  it('an allow entry for 127.0.0.1:PORT does not allow another port, in any spelling', async () => {
    const before = otherHits
    warmUp(
      ALLOW_LOOPBACK().map((allow) => ({ fetch: { allow: [allow] }, egress: { allow: ['127.0.0.0/8'] } })),
    )
    for (const allow of ALLOW_LOOPBACK())
      for (const host of ['127.0.0.1', '[::ffff:7f00:1]', '2130706433']) {
        const refused = await fetchWith(
          { fetch: { allow: [allow] }, egress: { allow: ['127.0.0.0/8'] } },
          `http://${host}:${otherPort}/hook`,
        )
        expect(refused).toMatchObject({
          code: 'PB_SANDBOX_FETCH_DENIED',
          message: expect.stringMatching(
            new RegExp(
              `fetch to (127\\.0\\.0\\.1|::ffff:7f00:1):${otherPort} is denied: it is not in the sandbox fetch.allow list`,
            ),
          ),
        })
      }
    expect(otherHits).toBe(before)
    // The same request with the other port allowed reaches it: the refusal above was the port.
    expect(
      await fetchWith(
        { fetch: { allow: [`127.0.0.1:${otherPort}`] }, egress: { allow: ['127.0.0.1'] } },
        `http://[::ffff:7f00:1]:${otherPort}/hook`,
      ),
    ).toMatchObject({ status: 200 })
    expect(otherHits).toBe(before + 1)
    // Up to thirteen sandboxes, each forking a worker process, when it runs alone.
  }, 90_000)

  it('an address entry without a port allows only the default port', async () => {
    const refused = await fetchWith(
      { fetch: { allow: ['127.0.0.1', '::ffff:127.0.0.1'] }, egress: { allow: ['127.0.0.1'] } },
      `http://127.0.0.1:${port}/hook`,
    )
    expect(refused).toMatchObject({
      code: 'PB_SANDBOX_FETCH_DENIED',
      message: expect.stringContaining('an entry without a port allows only the default port'),
      reached: 0,
    })
  })
})

describe('sandbox fetch: host names are checked at connect time', () => {
  it('a name that resolves to loopback (localhost) is refused without an egress rule and allowed by one', async () => {
    const url = `http://localhost:${port}/hook`
    const egressRules = [['localhost'], ['::ffff:127.0.0.1', '::1'], ['127.0.0.0/8', '::1/128']]
    warmUp([
      { fetch: { allow: [`localhost:${port}`] } },
      { fetch: { allow: [`localhost:${port}`] }, egress: { allow: ['10.0.0.0/8'] } },
      ...egressRules.map((allow) => ({ fetch: { allow: [`localhost:${port}`] }, egress: { allow } })),
    ])
    const refused = await fetchWith({ fetch: { allow: [`localhost:${port}`] } }, url)
    expect(refused).toMatchObject({
      code: 'PB_SANDBOX_FETCH_DENIED',
      message: expect.stringMatching(
        /egress to localhost \((127\.0\.0\.1|::1)\) is denied: it is a loopback address/,
      ),
      reached: 0,
    })
    const other = await fetchWith(
      { fetch: { allow: [`localhost:${port}`] }, egress: { allow: ['10.0.0.0/8'] } },
      url,
    )
    expect(other).toMatchObject({ code: 'PB_SANDBOX_FETCH_DENIED', reached: 0 })
    // localhost may also resolve to ::1; every address it resolves to must be allowed.
    for (const allow of egressRules)
      expect(await fetchWith({ fetch: { allow: [`localhost:${port}`] }, egress: { allow } }, url)).toEqual({
        status: 200,
        reached: 1,
      })
  })

  it('a name entry matches case-insensitively and without a trailing dot, and never an address', async () => {
    const egress = { allow: ['localhost', '127.0.0.1'] }
    expect(
      await fetchWith({ fetch: { allow: [`LocalHost.:${port}`] }, egress }, `http://localhost:${port}/hook`),
    ).toEqual({ status: 200, reached: 1 })
    expect(
      await fetchWith({ fetch: { allow: [`localhost:${port}`] }, egress }, `http://127.0.0.1:${port}/hook`),
    ).toMatchObject({
      code: 'PB_SANDBOX_FETCH_DENIED',
      message: expect.stringContaining('it is not in the sandbox fetch.allow list'),
      reached: 0,
    })
  })

  it('a redirect to a private address is not followed: user code sees the 302', async () => {
    // The redirect target ([::ffff:7f00:1] on the same port) passes both gates, so only the
    // no-redirect rule keeps it from being reached.
    const result = await fetchWith(
      { fetch: { allow: [`127.0.0.1:${port}`] }, egress: { allow: ['127.0.0.1'] } },
      `http://127.0.0.1:${port}/redirect`,
    )
    expect(result).toEqual({ status: 302, reached: 1 })
    expect(hits.at(-1)).toBe('/redirect')
  })
})

describe('sandbox fetch: fetch.allow entries are checked when the sandbox is created', () => {
  it.each([
    ['0177.0.0.1', '"0177.0.0.1" is an IPv4 address in a legacy spelling'],
    ['2130706433:8080', '"2130706433" is an IPv4 address in a legacy spelling'],
    ['[::ffff:0x7f.1]', '"[::ffff:0x7f.1]" is not a host name, address or wildcard'],
    ['127.0.0.1:0', '"127.0.0.1:0" has an invalid port "0"'],
    ['127.0.0.1:65536', '"127.0.0.1:65536" has an invalid port "65536"'],
    ['api.example.com:http', '"api.example.com:http" has an invalid port "http"'],
    ['[::1]:', '"[::1]:" has an invalid port ""'],
    [':8080', '":8080" has a port but no host'],
    ['10.0.0.0/8', '"10.0.0.0/8" is not a host: fetch.allow takes no CIDR ranges or URLs'],
    [
      'https://api.example.com',
      '"https://api.example.com" is not a host: fetch.allow takes no CIDR ranges or URLs',
    ],
    ['api example.com', '"api example.com" is not a host name, address or wildcard'],
    ['*.1', '"*.1" is a wildcard over addresses'],
    ['*.[::1]', '"*.[::1]" is a wildcard over an address'],
    ['  ', 'is empty'],
  ])('%j is refused: fetch.allow[1] %s', (entry, problem) => {
    expect(() => createSandbox({ fetch: { allow: ['api.example.com', entry] } })).toThrow(
      expect.objectContaining({
        code: 'PB_CONFIG_INVALID',
        message: expect.stringContaining(`fetch.allow[1] ${problem}`),
      }),
    )
  })
})
