import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { BlockList, isIP } from 'node:net'
import Type, { type Static } from 'typebox'
import { AbortedError } from '../errors/errors.ts'

/**
 * Where destinations may connect (`egress:` in a pipeline). By default any public
 * address; private, loopback and link-local addresses (SSRF targets such as
 * 169.254.169.254) are refused unless `allowPrivate` is set or the host, address or CIDR
 * range is in `allow`.
 */
export const EgressPolicySchema = Type.Object(
  {
    allowPrivate: Type.Optional(
      Type.Boolean({ description: 'Allow every private address (trusted networks only).' }),
    ),
    allow: Type.Optional(
      Type.Array(Type.String(), {
        description:
          'Hostnames (hooks.internal), addresses (127.0.0.1) or CIDR ranges (10.1.0.0/16) to allow.',
      }),
    ),
  },
  { additionalProperties: false },
)
export type EgressPolicy = Static<typeof EgressPolicySchema>

const PRIVATE_RANGES: Array<[string, number, 'ipv4' | 'ipv6', string]> = [
  ['0.0.0.0', 8, 'ipv4', 'this network'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'IETF protocol assignments'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['fc00::', 7, 'ipv6', 'unique local'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
]

/** Names the private range `address` falls in (`loopback`, `link-local`, ...), if any. */
export function privateRange(address: string): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  const ip = mapped ? mapped[1]! : address
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4'
  for (const [network, prefix, type, name] of PRIVATE_RANGES) {
    if (type !== family) continue
    const list = new BlockList()
    list.addSubnet(network, prefix, type)
    if (list.check(ip, family)) return name
  }
  return undefined
}

/** A compiled egress policy: `check(host, address)` throws PB_EGRESS_DENIED when refused. */
export interface EgressGuard {
  check(host: string, address: string): void
  /** A `dns.lookup` replacement that checks every resolved address (DNS rebinding safe). */
  lookup: typeof dnsLookup
}

export function createEgressGuard(policy: EgressPolicy = {}, label = 'destination'): EgressGuard {
  const hosts = new Set<string>()
  const ranges = new BlockList()
  for (const entry of policy.allow ?? []) {
    const [network, prefix] = entry.split('/')
    const family = isIP(network ?? '')
    if (family === 0) hosts.add(entry.toLowerCase())
    else if (prefix === undefined) ranges.addAddress(network!, family === 6 ? 'ipv6' : 'ipv4')
    else ranges.addSubnet(network!, Number(prefix), family === 6 ? 'ipv6' : 'ipv4')
  }

  const check = (host: string, address: string) => {
    if (policy.allowPrivate) return
    const bare = host.replace(/^\[|\]$/g, '').toLowerCase()
    if (hosts.has(bare)) return
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4'
    if (ranges.check(address, family)) return
    const range = privateRange(address)
    if (range === undefined) return
    throw new AbortedError(
      `${label}: egress to ${bare}${bare === address ? '' : ` (${address})`} is denied: it is a ${range} address`,
      {
        code: 'PB_EGRESS_DENIED',
        step: label,
        hint: `If this destination is meant to reach it, add "${bare}" to \`egress.allow\` in the pipeline (or set \`egress.allowPrivate: true\`).`,
      },
    )
  }

  const lookup = ((hostname: string, options: unknown, callback: unknown) => {
    const cb = (typeof options === 'function' ? options : callback) as (
      err: Error | null,
      address?: string | LookupAddress[],
      family?: number,
    ) => void
    const opts = (typeof options === 'object' && options !== null ? options : {}) as { all?: boolean }
    dnsLookup(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return cb(err)
      try {
        for (const a of addresses) check(hostname, a.address)
      } catch (denied) {
        return cb(denied as Error)
      }
      if (opts.all) cb(null, addresses)
      else cb(null, addresses[0]!.address, addresses[0]!.family)
    })
  }) as typeof dnsLookup

  return { check, lookup }
}
