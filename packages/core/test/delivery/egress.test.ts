import type { LookupAddress } from 'node:dns'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  compileEgressRule,
  createDeliverer,
  createEgressGuard,
  createUndiciTransport,
  type EgressPolicy,
  privateRange,
  resolveDeliveryOptions,
} from '../../src/index.ts'
import { thrown } from '../_thrown.ts'

/**
 * The egress test table (issue 13, section 2). Every spelling of a blocked address is
 * blocked, because addresses are compared as parsed numbers; every one is allowed by an allow
 * rule that covers the address it stands for.
 */

/** Spellings of loopback the WHATWG URL parser turns into a host a real server answers on. */
const LOOPBACK_V4_URL_HOSTS: Array<[spelling: string, normalised: string]> = [
  ['127.0.0.1', '127.0.0.1'],
  ['2130706433', '127.0.0.1'], // decimal
  ['017700000001', '127.0.0.1'], // octal, one part
  ['0x7f000001', '127.0.0.1'], // hex, one part
  ['0177.0.0.1', '127.0.0.1'], // octal
  ['0x7f.1', '127.0.0.1'], // hex, two parts
  ['0x7f.0.0.0x1', '127.0.0.1'],
  ['127.1', '127.0.0.1'],
  ['127.000.000.001', '127.0.0.1'],
  ['127.0.0.1.', '127.0.0.1'], // trailing dot
  ['%31%32%37.0.0.1', '127.0.0.1'], // percent-encoded
  ['１２７．０．０．１', '127.0.0.1'], // full-width digits and dots
  ['[::ffff:127.0.0.1]', '[::ffff:7f00:1]'], // IPv4-mapped, dotted
  ['[::ffff:7f00:1]', '[::ffff:7f00:1]'], // IPv4-mapped, hex
  ['[0:0:0:0:0:ffff:7f00:1]', '[::ffff:7f00:1]'],
  ['0.0.0.0', '0.0.0.0'], // "this host": Linux connects it to loopback
  ['0', '0.0.0.0'],
]
/** IPv6 loopback spellings; Linux connects `::` to `::1`. */
const LOOPBACK_V6_URL_HOSTS: Array<[string, string]> = [
  ['[::1]', '[::1]'],
  ['[0:0:0:0:0:0:0:1]', '[::1]'],
  ['[::]', '[::]'],
]

/**
 * Private addresses no test may connect to (tests reach loopback only): refused by the
 * deliverer before any connection; that an allow rule lets them through is shown on the guard.
 * [URL host, the reason in the refusal, an allow rule that covers it]
 */
const UNREACHABLE: Array<[string, string, string]> = [
  ['[::127.0.0.1]', 'a loopback address (deprecated IPv4-compatible 127.0.0.1)', '::7f00:1'],
  ['[::7f00:1]', 'a loopback address (deprecated IPv4-compatible 127.0.0.1)', '::/96'],
  ['[64:ff9b::127.0.0.1]', 'a loopback address (NAT64 127.0.0.1)', '64:ff9b::/96'],
  ['[64:ff9b::7f00:1]', 'a loopback address (NAT64 127.0.0.1)', '64:ff9b::7f00:1'],
  ['[64:ff9b::a00:1]', 'a private address (NAT64 10.0.0.1)', '64:ff9b::a00:0/104'],
  ['[2002:7f00:1::]', 'a loopback address (6to4 127.0.0.1)', '2002:7f00::/24'],
  ['[2002:c0a8:101::1]', 'a private address (6to4 192.168.1.1)', '2002::/16'],
  ['[fc00::1]', 'a unique local address', 'fc00::/7'],
  ['[fd12:3456::1]', 'a unique local address', 'fd00::/8'],
  ['[fe80::1]', 'a link-local address', 'fe80::/10'],
  ['[febf:ffff::1]', 'a link-local address', 'fe80::/10'],
  ['10.0.0.1', 'a private address', '10.0.0.0/8'],
  ['0xa.1', 'a private address', '10.0.0.1'],
  ['172.16.5.4', 'a private address', '172.16.0.0/12'],
  ['192.168.1.1', 'a private address', '192.168.0.0/16'],
  ['100.64.0.1', 'a carrier-grade NAT address', '100.64.0.0/10'],
  // The cloud metadata address in every spelling.
  ['169.254.169.254', 'a link-local address', '169.254.169.254'],
  ['2852039166', 'a link-local address', '169.254.169.254'],
  ['0xa9fea9fe', 'a link-local address', '169.254.169.254'],
  ['0251.0376.0251.0376', 'a link-local address', '169.254.169.254'],
  ['0xa9.0xfe.0xa9.0xfe', 'a link-local address', '169.254.169.254'],
  ['169.254.43518', 'a link-local address', '169.254.169.254'],
  ['[::ffff:169.254.169.254]', 'a link-local address (IPv4-mapped 169.254.169.254)', '169.254.169.254'],
  ['[::ffff:a9fe:a9fe]', 'a link-local address (IPv4-mapped 169.254.169.254)', '169.254.0.0/16'],
  ['[::ffff:0:a9fe:a9fe]', 'an IPv4-translated address', '::ffff:0:0:0/96'],
  ['[::169.254.169.254]', 'a link-local address (deprecated IPv4-compatible 169.254.169.254)', '::a9fe:a9fe'],
  ['[64:ff9b::169.254.169.254]', 'a link-local address (NAT64 169.254.169.254)', '64:ff9b::a9fe:a9fe'],
  ['[2002:a9fe:a9fe::]', 'a link-local address (6to4 169.254.169.254)', '2002:a9fe:a9fe::/48'],
  ['[fd00:ec2::254]', 'a unique local address', 'fd00:ec2::254'], // AWS's IPv6 metadata address
]

const servers: Array<{ close(): void; closeAllConnections(): void }> = []
let v4: { port: number; hits: string[] }
let v6: { port: number; hits: string[] }

async function listen(host: string, options: { close?: boolean; location?: string } = {}) {
  const hits: string[] = []
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      hits.push(`${req.method} ${req.headers.host}${req.url}`)
      const headers: Record<string, string> = options.close ? { connection: 'close' } : {}
      if (options.location) res.writeHead(302, { ...headers, location: options.location }).end()
      else res.writeHead(200, headers).end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  servers.push(server)
  return { port: (server.address() as AddressInfo).port, hits }
}

beforeAll(async () => {
  v4 = await listen('127.0.0.1')
  v6 = await listen('::1')
})
afterAll(() => {
  for (const s of servers) {
    s.closeAllConnections()
    s.close()
  }
})

type Lookup = NonNullable<Parameters<typeof createUndiciTransport>[0]['lookup']>

/** One attempt over real HTTP through undici, with the given egress policy and resolver. */
function deliverer(egress: EgressPolicy, lookup?: Lookup) {
  const options = resolveDeliveryOptions({ retry: { maxAttempts: 1 } })
  return createDeliverer({
    transport: createUndiciTransport({
      timeouts: options.timeouts,
      connections: 1,
      egress,
      label: 'destinations.hooks',
      lookup,
    }),
    options,
    label: 'destinations.hooks',
  })
}

async function post(egress: EgressPolicy, url: string, lookup?: Lookup) {
  const d = deliverer(egress, lookup)
  try {
    return await d.deliver({ method: 'POST', url, body: { event: 'Ping' } })
  } finally {
    await d.close()
  }
}

/** A resolver answering from a table, like DNS would, without DNS. */
function fixedLookup(table: Record<string, string[] | (() => string[])>): Lookup {
  return ((hostname: string, options: unknown, callback: unknown) => {
    const cb = (typeof options === 'function' ? options : callback) as (
      err: Error | null,
      addresses: LookupAddress[],
    ) => void
    const entry = table[hostname]
    const addresses = typeof entry === 'function' ? entry() : entry
    if (!addresses)
      return cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), [])
    cb(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    )
  }) as Lookup
}

describe('the deliverer, over real HTTP to loopback, in every spelling', () => {
  it.each(LOOPBACK_V4_URL_HOSTS)('%s (the URL parser makes it %s)', async (spelling, normalised) => {
    const url = `http://${spelling}:${v4.port}/hook`
    expect(new URL(url).host).toBe(`${normalised}:${v4.port}`)
    const before = v4.hits.length
    const refused = await post({}, url)
    expect(refused.status).toBe('failed')
    expect(refused.error).toMatchObject({ code: 'PB_EGRESS_DENIED', family: 'aborted' })
    expect(refused.error!.message).toMatch(/is denied: it is a (loopback|this network) address/)
    expect(v4.hits.length).toBe(before)

    // One rule for the address covers every spelling of it (0.0.0.0 is its own address).
    const rule = normalised === '0.0.0.0' ? '0.0.0.0' : '127.0.0.1'
    const delivered = await post({ allow: [rule] }, url)
    expect(delivered).toMatchObject({ status: 'delivered' })
    expect(v4.hits.length).toBe(before + 1)
    // ...and so does a range, in its IPv4-mapped spelling too.
    const byRange = await post({ allow: [rule === '0.0.0.0' ? '0.0.0.0/8' : '::ffff:127.0.0.0/104'] }, url)
    expect(byRange).toMatchObject({ status: 'delivered' })
  })

  it.each(LOOPBACK_V6_URL_HOSTS)('%s (the URL parser makes it %s)', async (spelling, normalised) => {
    const url = `http://${spelling}:${v6.port}/hook`
    expect(new URL(url).host).toBe(`${normalised}:${v6.port}`)
    const before = v6.hits.length
    const refused = await post({}, url)
    expect(refused.error).toMatchObject({ code: 'PB_EGRESS_DENIED' })
    expect(refused.error!.message).toMatch(/is denied: it is an? (loopback|unspecified) address/)
    expect(v6.hits.length).toBe(before)
    const delivered = await post({ allow: [normalised === '[::]' ? '::' : '::1/128'] }, url)
    expect(delivered).toMatchObject({ status: 'delivered' })
    expect(v6.hits.length).toBe(before + 1)
  })

  it.each(UNREACHABLE)('%s is refused (%s) before any connection', async (host, reason, rule) => {
    const address = new URL(`http://${host}/`).hostname.replace(/^\[|\]$/g, '')
    const refused = await post({}, `http://${host}/hook`)
    expect(refused).toMatchObject({ status: 'failed', attempts: 1 })
    expect(refused.error).toMatchObject({ code: 'PB_EGRESS_DENIED', family: 'aborted' })
    expect(refused.error!.message).toBe(`destinations.hooks: egress to ${address} is denied: it is ${reason}`)
    // The guard the deliverer uses lets it through with the rule (no test connects off loopback).
    expect(() => createEgressGuard({}).check(address, address)).toThrow(/is denied/)
    expect(() => createEgressGuard({ allow: [rule] }).check(address, address)).not.toThrow()
  })
})

describe('allow rules are parsed addresses', () => {
  const allows = (rule: string, address: string) => {
    try {
      createEgressGuard({ allow: [rule] }).check(address, address)
      return true
    } catch {
      return false
    }
  }

  it('an IPv4 rule covers the IPv4-mapped spellings of its addresses, and the other way round', () => {
    for (const address of ['127.0.0.1', '::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:7f00:1']) {
      expect(allows('127.0.0.1', address)).toBe(true)
      expect(allows('::ffff:127.0.0.1', address)).toBe(true)
      expect(allows('127.0.0.0/8', address)).toBe(true)
      expect(allows('::ffff:7f00:0/104', address)).toBe(true)
    }
    expect(allows('127.0.0.1', '127.0.0.2')).toBe(false)
    expect(allows('127.0.0.1/32', '::ffff:127.0.0.2')).toBe(false)
  })

  it('does not stretch to addresses that only reach the IPv4 one through a translator', () => {
    // NAT64, 6to4 and IPv4-compatible addresses are other addresses, with another path.
    for (const address of ['64:ff9b::7f00:1', '2002:7f00:1::', '::7f00:1', '::ffff:0:7f00:1'])
      expect(allows('127.0.0.0/8', address)).toBe(false)
  })

  it('matches IPv6 by value, whatever the spelling, with brackets or a zone', () => {
    expect(allows('[::1]', '0:0:0:0:0:0:0:1')).toBe(true)
    expect(allows('fd00::/8', 'FD12:0000::0001')).toBe(true)
    expect(allows('fe80::/10', 'fe80::1%eth0')).toBe(true)
    expect(allows('fd00::/8', 'fc00::1')).toBe(false)
  })

  it('matches host names without case or a trailing dot, and only the name', () => {
    const guard = createEgressGuard({ allow: ['Hooks.Internal.'] })
    expect(() => guard.check('hooks.internal', '10.0.0.1')).not.toThrow()
    expect(() => guard.check('HOOKS.INTERNAL.', '10.0.0.1')).not.toThrow()
    expect(() => guard.check('other.internal', '10.0.0.1')).toThrow(/is denied/)
  })

  it.each([
    [
      '0177.0.0.1',
      'egress.allow[1] "0177.0.0.1" is an IPv4 address in a legacy spelling, which tools read differently',
      '"127.0.0.1"',
    ],
    [
      '2130706433',
      'egress.allow[1] "2130706433" is an IPv4 address in a legacy spelling, which tools read differently',
      '"127.0.0.1"',
    ],
    [
      '0x7f.1/8',
      'egress.allow[1] "0x7f.1/8" is an IPv4 address in a legacy spelling, which tools read differently',
      '"127.0.0.1/8"',
    ],
    ['10.0.0.0/33', 'egress.allow[1] "10.0.0.0/33" is not a CIDR range', '"10.20.0.0/16"'],
    ['10.0.0.0/', 'egress.allow[1] "10.0.0.0/" is not a CIDR range', '"10.20.0.0/16"'],
    ['fd00::/129', 'egress.allow[1] "fd00::/129" is not a CIDR range', '"fd00::/8"'],
    ['hooks.internal/24', 'egress.allow[1] "hooks.internal/24" is not a CIDR range', '"10.20.0.0/16"'],
    ['10.0.0.0/8/8', 'egress.allow[1] "10.0.0.0/8/8" is not a CIDR range', '"10.20.0.0/16"'],
    ['', 'egress.allow[1] is empty', 'host name'],
  ])('refuses the rule %j with a clear error', (rule, message, hint) => {
    const error = thrown(() => createEgressGuard({ allow: ['10.1.0.0/16', rule] }))
    expect(error).toMatchObject({ code: 'PB_CONFIG_INVALID', location: { field: 'egress.allow[1]' } })
    expect(error.message).toBe(message)
    expect(error.hint).toContain(hint)
  })

  it('compileEgressRule gives other allow lists the same reading: canonical text and a matcher', () => {
    const mapped = compileEgressRule('[::ffff:127.0.0.1]', 'fetch.allow[0]')
    expect([mapped.kind, mapped.text]).toEqual(['address', '127.0.0.1'])
    for (const host of ['127.0.0.1', '[::ffff:7f00:1]', '0:0:0:0:0:ffff:7f00:1', '2130706433'])
      expect(mapped.matches(host)).toBe(true)
    for (const host of ['127.0.0.2', '::7f00:1', '64:ff9b::7f00:1', 'localhost'])
      expect(mapped.matches(host)).toBe(false)
    const range = compileEgressRule('::ffff:10.0.0.0/104', 'x')
    expect([range.kind, range.text, range.matches('10.9.8.7'), range.matches('11.0.0.1')]).toEqual([
      'range',
      '10.0.0.0/8',
      true,
      false,
    ])
    const name = compileEgressRule('Hooks.Internal.', 'x')
    expect([name.kind, name.text, name.matches('HOOKS.internal.'), name.matches('10.0.0.1')]).toEqual([
      'name',
      'hooks.internal',
      true,
      false,
    ])
    expect(thrown(() => compileEgressRule('0x7f.1', 'fetch.allow[3]'))).toMatchObject({
      code: 'PB_CONFIG_INVALID',
      message:
        'fetch.allow[3] "0x7f.1" is an IPv4 address in a legacy spelling, which tools read differently',
      location: { field: 'fetch.allow[3]' },
    })
  })

  it('privateRange names the range of any spelling', () => {
    expect(privateRange('::ffff:a9fe:a9fe')).toBe('link-local')
    expect(privateRange('0xa9fea9fe')).toBe('link-local')
    expect(privateRange('64:ff9b::a00:1')).toBe('private')
    expect(privateRange('64:ff9b::808:808')).toBeUndefined() // NAT64 of a public address
    expect(privateRange('2002:808:808::1')).toBeUndefined() // 6to4 of a public address
    expect(privateRange('::ffff:8.8.8.8')).toBeUndefined()
    expect(privateRange('2001:db8::1')).toBe('reserved')
    expect(privateRange('not-an-address')).toBe('not an IP address')
  })

  it('the one-line repro from issue 13 is refused', () => {
    expect(() => createEgressGuard({}).check('::ffff:a9fe:a9fe', '::ffff:a9fe:a9fe')).toThrow(
      'egress to ::ffff:a9fe:a9fe is denied: it is a link-local address (IPv4-mapped 169.254.169.254)',
    )
  })
})

describe('host names: every address they resolve to is checked when connecting', () => {
  it('refuses a name with one private address among public ones, in any position', async () => {
    for (const addresses of [
      ['93.184.215.14', '127.0.0.1'],
      ['127.0.0.1', '93.184.215.14'],
      ['2606:2800:21f:cb07:6820:80da:af6b:8b2c', '::ffff:169.254.169.254', '93.184.215.14'],
    ]) {
      const before = v4.hits.length
      const result = await post({}, `http://mixed.test:${v4.port}/`, fixedLookup({ 'mixed.test': addresses }))
      expect(result.error).toMatchObject({ code: 'PB_EGRESS_DENIED' })
      expect(result.error!.message).toMatch(
        /^destinations\.hooks: egress to mixed\.test \((127\.0\.0\.1|::ffff:169\.254\.169\.254)\) is denied/,
      )
      expect(v4.hits.length).toBe(before)
    }
  })

  it('delivers to a name once every address it resolves to is allowed, by address or by name', async () => {
    const lookup = fixedLookup({ 'hooks.test': ['127.0.0.1', '::1'] })
    const onlyV4 = await post({ allow: ['127.0.0.1'] }, `http://hooks.test:${v4.port}/`, lookup)
    expect(onlyV4.error?.message).toContain('egress to hooks.test (::1) is denied: it is a loopback address')
    expect(
      await post({ allow: ['127.0.0.1', '::1'] }, `http://hooks.test:${v4.port}/`, lookup),
    ).toMatchObject({
      status: 'delivered',
    })
    expect(await post({ allow: ['hooks.test'] }, `http://hooks.test:${v4.port}/`, lookup)).toMatchObject({
      status: 'delivered',
    })
  })

  it('refuses a name that resolves to nothing, and one that is a private address in a legacy spelling', async () => {
    const empty = await post({}, `http://void.test:${v4.port}/`, fixedLookup({ 'void.test': [] }))
    expect(empty.error?.message).toBe(
      'destinations.hooks: egress to void.test is denied: it resolved to no address',
    )
    const odd = await post({}, `http://odd.test:${v4.port}/`, fixedLookup({ 'odd.test': ['0x7f.1'] }))
    expect(odd.error?.code).toBe('PB_EGRESS_DENIED')
  })

  it('checks the address of each new connection, so a name rebound to another address is refused', async () => {
    // A server that closes every connection, so each delivery resolves and connects afresh.
    const closing = await listen('127.0.0.1', { close: true })
    const answers = [['127.0.0.1'], ['127.0.0.2']]
    let asked = 0
    const d = deliverer(
      { allow: ['127.0.0.1'] },
      fixedLookup({ 'rebind.test': () => answers[Math.min(asked++, 1)]! }),
    )
    try {
      const url = `http://rebind.test:${closing.port}/`
      expect(await d.deliver({ method: 'POST', url, body: {} })).toMatchObject({ status: 'delivered' })
      const second = await d.deliver({ method: 'POST', url, body: {} })
      expect(second.error).toMatchObject({ code: 'PB_EGRESS_DENIED' })
      expect(second.error!.message).toContain('egress to rebind.test (127.0.0.2) is denied')
      expect(asked).toBe(2)
      expect(closing.hits).toHaveLength(1)
    } finally {
      await d.close()
    }
  })
})

describe('redirects', () => {
  it('are not followed: a 302 to a private address is a failed delivery and nothing reaches the target', async () => {
    const target = await listen('::1')
    for (const location of [
      `http://[::1]:${target.port}/metadata`,
      `http://[::ffff:7f00:1]:${target.port}/metadata`,
      'http://169.254.169.254/latest/meta-data/',
    ]) {
      const redirecting = await listen('127.0.0.1', { location })
      // Even with every loopback address allowed, the redirect is not followed.
      const result = await post({ allow: ['127.0.0.0/8', '::1'] }, `http://127.0.0.1:${redirecting.port}/`)
      expect(result).toMatchObject({ status: 'failed', attempts: 1 })
      expect(result.error).toMatchObject({ code: 'PB_DELIVERY_ABORTED' })
      expect(result.error!.hint).toBe(`It redirected to ${location}; set the final URL in the config.`)
      expect(redirecting.hits).toHaveLength(1)
    }
    expect(target.hits).toHaveLength(0)
  })
})
