import { isIP } from 'node:net'
import ipaddr from 'ipaddr.js'

/**
 * IP addresses as parsed numbers (ipaddr.js), never as strings: every spelling of an address
 * (`::ffff:127.0.0.1`, `::ffff:7f00:1`, `2130706433`, `0x7f.1`) parses to the same value, so
 * the egress policy cannot be walked around by writing an address another way.
 */
export type Address = ipaddr.IPv4 | ipaddr.IPv6

/** An address and a prefix length: a CIDR range, or one address with the full length. */
export type Range = [Address, number]

/**
 * Parses an address as a socket would receive it: strict IPv6 (an embedded dotted quad and a
 * `%zone` allowed) and IPv4 in any form `inet_aton` and the WHATWG URL parser accept
 * (`2130706433`, `0177.0.0.1`, `0x7f.1`). Brackets are ignored. Undefined when it is not an
 * address.
 */
export function parseAddress(text: string): Address | undefined {
  const bare = stripBrackets(text)
  if (bare.includes(':')) return parseIPv6(bare)
  // ipaddr.js reads every legacy IPv4 form the way inet_aton does.
  return ipaddr.IPv4.isValid(bare) ? ipaddr.IPv4.parse(bare) : undefined
}

/**
 * Parses an IPv6 address. ipaddr.js reads `::a.b.c.d` as IPv4-mapped (`::ffff:a.b.c.d`),
 * which is a different address, so an embedded dotted quad is turned into two hex groups first.
 */
function parseIPv6(text: string): ipaddr.IPv6 | undefined {
  const noZone = text.replace(/%.*$/, '')
  if (isIP(noZone) !== 6) return undefined
  const dotted = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(noZone)
  const hex = dotted
    ? `${dotted[1]}${((Number(dotted[2]) << 8) | Number(dotted[3])).toString(16)}:${((Number(dotted[4]) << 8) | Number(dotted[5])).toString(16)}`
    : noZone
  return ipaddr.IPv6.isValid(hex) ? ipaddr.IPv6.parse(hex) : undefined
}

export function stripBrackets(text: string): string {
  return text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
}

/**
 * The address a socket actually reaches: an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is a
 * connection to the IPv4 address itself, so it is compared as that IPv4 address everywhere.
 */
export function canonical(address: Address): Address {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress())
    return (address as ipaddr.IPv6).toIPv4Address()
  return address
}

/** Does `address` (canonicalised) fall in `range` (canonicalised)? */
export function inRange(address: Address, [network, prefix]: Range): boolean {
  const a = canonical(address)
  return a.kind() === network.kind() && a.match(network, prefix)
}

/**
 * A range with an IPv4-mapped network (`::ffff:10.0.0.0/104`) becomes the IPv4 range it
 * stands for (`10.0.0.0/8`), so mapped and plain rules mean the same thing.
 */
export function canonicalRange([network, prefix]: Range): Range {
  if (network.kind() === 'ipv6' && prefix >= 96 && (network as ipaddr.IPv6).isIPv4MappedAddress())
    return [(network as ipaddr.IPv6).toIPv4Address(), prefix - 96]
  return [network, prefix]
}

const IPV4_NAMES: Record<string, string> = {
  unspecified: 'this network',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT',
  private: 'private',
  reserved: 'reserved',
  as112: 'reserved (AS112)',
  amt: 'reserved (AMT)',
}

const IPV6_NAMES: Record<string, string> = {
  unspecified: 'unspecified',
  linkLocal: 'link-local',
  multicast: 'multicast',
  loopback: 'loopback',
  uniqueLocal: 'unique local',
  deprecatedSiteLocal: 'site-local',
  discard: 'discard-only',
  rfc6145: 'IPv4-translated',
  teredo: 'Teredo',
}

const NAT64 = ipaddr.IPv6.parse('64:ff9b::')
const GLOBAL_UNICAST = ipaddr.IPv6.parse('2000::')

/** Why an address is refused by default, or undefined for a public unicast address. */
export interface Refusal {
  /** The range's name: `loopback`, `link-local`, `private`, ... */
  range: string
  /** For an address that embeds an IPv4 one: how, and which (`IPv4-mapped 127.0.0.1`). */
  via?: string
}

const embedded = (parts: number[], at: number) =>
  new ipaddr.IPv4([parts[at]! >> 8, parts[at]! & 0xff, parts[at + 1]! >> 8, parts[at + 1]! & 0xff])

/**
 * Decides whether an address is refused by default. Only public unicast is allowed:
 * IPv4 outside every special-purpose range, and IPv6 inside global unicast `2000::/3` outside
 * its special ranges. Addresses that embed an IPv4 address are judged by it: IPv4-mapped
 * `::ffff:0:0/96` (the same socket destination), NAT64 `64:ff9b::/96` and 6to4 `2002::/16`
 * (a translator or relay delivers them to the embedded address). The deprecated
 * IPv4-compatible form `::a.b.c.d`, IPv4-translated `::ffff:0:a.b.c.d`, local-use NAT64
 * `64:ff9b:1::/48` and Teredo are refused whatever they embed.
 */
export function refusal(address: Address): Refusal | undefined {
  if (address.kind() === 'ipv4') {
    const range = address.range()
    return range === 'unicast' ? undefined : { range: IPV4_NAMES[range] ?? range }
  }
  const v6 = address as ipaddr.IPv6
  const parts = v6.parts
  const via = (how: string, v4: ipaddr.IPv4): Refusal | undefined => {
    const inner = refusal(v4)
    return inner && { range: inner.range, via: `${how} ${v4.toString()}` }
  }
  if (v6.isIPv4MappedAddress()) return via('IPv4-mapped', v6.toIPv4Address())
  if (v6.match(NAT64, 96)) return via('NAT64', embedded(parts, 6))
  const range = v6.range()
  if (range === '6to4') return via('6to4', embedded(parts, 1))
  if (range === 'unspecified' || range === 'loopback') return { range: IPV6_NAMES[range]! }
  if (parts.slice(0, 6).every((p) => p === 0)) {
    const inner = refusal(embedded(parts, 6))
    return {
      range: inner?.range ?? 'reserved',
      via: `deprecated IPv4-compatible ${embedded(parts, 6).toString()}`,
    }
  }
  if (range === 'rfc6052') return { range: 'reserved', via: 'local-use NAT64 64:ff9b:1::/48' }
  if (range !== 'unicast') return { range: IPV6_NAMES[range] ?? 'reserved' }
  return v6.match(GLOBAL_UNICAST, 3) ? undefined : { range: 'reserved' }
}
