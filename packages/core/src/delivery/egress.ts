import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import Type, { type Static } from 'typebox'
import { AbortedError } from '../errors/errors.ts'
import { compileAllow, hostKey } from './_egress-rules.ts'
import { type Address, inRange, parseAddress, refusal, stripBrackets } from './_ip.ts'

/**
 * Where destinations may connect (`egress:` in a pipeline). By default only public unicast
 * addresses; private, loopback, link-local, unique-local and other special-purpose addresses
 * (SSRF targets such as 169.254.169.254), in every spelling, are refused unless
 * `allowPrivate` is set or the host, address or CIDR range is in `allow`.
 */
export const EgressPolicySchema = Type.Object(
  {
    allowPrivate: Type.Optional(
      Type.Boolean({ description: 'Allow every private address (trusted networks only).' }),
    ),
    allow: Type.Optional(
      Type.Array(Type.String(), {
        description:
          'Hostnames (hooks.internal), addresses (127.0.0.1, ::1) or CIDR ranges (10.1.0.0/16, fd00::/8) to allow.',
      }),
    ),
  },
  { additionalProperties: false },
)
export type EgressPolicy = Static<typeof EgressPolicySchema>

/**
 * Names the range that makes `address` refused by default (`loopback`, `link-local`,
 * `private`, `unique local`, ...), or undefined for a public address. Any spelling is read as
 * the address it stands for: `::ffff:7f00:1` and `2130706433` are `loopback`. Text that is not
 * an address is `not an IP address`.
 */
export function privateRange(address: string): string | undefined {
  const parsed = parseAddress(address)
  return parsed ? refusal(parsed)?.range : 'not an IP address'
}

/** A compiled egress policy: `check(host, address)` throws PB_EGRESS_DENIED when refused. */
export interface EgressGuard {
  check(host: string, address: string): void
  /** A `dns.lookup` replacement that checks every resolved address (DNS rebinding safe). */
  lookup: typeof dnsLookup
}

export interface EgressGuardOptions {
  /**
   * The resolver the guard wraps (default `dns.lookup`): a DNS cache, or a fixed table in
   * tests. It is asked with `all: true`; every address it answers is checked.
   */
  lookup?: typeof dnsLookup
}

/**
 * Compiles an egress policy. `egress.allow` entries that look like addresses or CIDR ranges
 * are compared as parsed numbers, and an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) counts
 * as the IPv4 address it connects to, so an allow rule covers every spelling of the addresses
 * in it. A bad rule is a ConfigurationError naming `egress.allow[i]`.
 *
 * @example
 * const guard = createEgressGuard({ allow: ['10.20.0.0/16'] }, 'destinations.crm')
 * guard.check('metadata', '::ffff:a9fe:a9fe') // throws PB_EGRESS_DENIED: link-local (IPv4-mapped 169.254.169.254)
 * const agent = new Agent({ connect: { lookup: guard.lookup } }) // checks the addresses it connects to
 */
export function createEgressGuard(
  policy: EgressPolicy = {},
  label = 'destination',
  options: EgressGuardOptions = {},
): EgressGuard {
  const { hosts, ranges } = compileAllow(policy.allow ?? [])
  const resolve = options.lookup ?? dnsLookup

  const deny = (host: string, address: string, reason: string, hint: string) =>
    new AbortedError(
      `${label}: egress to ${host}${host === address ? '' : ` (${address})`} is denied: ${reason}`,
      { code: 'PB_EGRESS_DENIED', step: label, hint },
    )

  const check = (host: string, address: string) => {
    if (policy.allowPrivate) return
    const name = hostKey(host)
    if (hosts.has(name)) return
    const bare = stripBrackets(address)
    const parsed: Address | undefined = parseAddress(bare)
    if (!parsed)
      throw deny(name, bare, 'it is not an IP address', 'Destinations connect to resolved addresses only.')
    if (ranges.some((range) => inRange(parsed, range))) return
    const refused = refusal(parsed)
    if (refused === undefined) return
    const article = /^(un[^i]|[aeio]|IPv)/.test(refused.range) ? 'an' : 'a'
    throw deny(
      name,
      bare,
      `it is ${article} ${refused.range} address${refused.via ? ` (${refused.via})` : ''}`,
      `If this destination is meant to reach it, add "${name}" to \`egress.allow\` in the pipeline (or set \`egress.allowPrivate: true\`).`,
    )
  }

  const lookup = ((hostname: string, options: unknown, callback: unknown) => {
    const cb = (typeof options === 'function' ? options : callback) as (
      err: Error | null,
      address?: string | LookupAddress[],
      family?: number,
    ) => void
    const opts = (typeof options === 'object' && options !== null ? options : {}) as { all?: boolean }
    resolve(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return cb(err)
      // One refused address refuses the name: it is checked here, at connect time, against
      // exactly the addresses the socket will try (every one of them with autoSelectFamily).
      try {
        if (addresses.length === 0)
          throw deny(
            hostKey(hostname),
            hostKey(hostname),
            'it resolved to no address',
            'Check the host name.',
          )
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
