import { isIP } from 'node:net'
import { ConfigurationError } from '../errors/errors.ts'
import { canonicalRange, inRange, parseAddress, type Range, stripBrackets } from './_ip.ts'

/** Host names compare case-insensitively and without a trailing dot (`Hooks.Internal.`). */
export const hostKey = (host: string) => stripBrackets(host).toLowerCase().replace(/\.$/, '')

/**
 * Reads one `egress.allow` entry: an address (`127.0.0.1`, `[::1]`) or CIDR range
 * (`10.20.0.0/16`, `fd00::/8`) becomes a parsed range; anything else is a host name. An IPv4
 * address in a legacy spelling (`0177.0.0.1`, `2130706433`) or a malformed range is a
 * ConfigurationError naming `field`: tools disagree on what those mean.
 */
export function parseAllowRule(entry: string, field: string): { host: string } | { range: Range } {
  const [network = '', prefix, ...rest] = entry.trim().split('/')
  const bare = stripBrackets(network)
  const address = parseAddress(bare)
  if (address && isIP(bare.replace(/%.*$/, '')) === 0)
    throw new ConfigurationError(
      `${field} "${entry}" is an IPv4 address in a legacy spelling, which tools read differently`,
      {
        field,
        hint: `Write it in dotted decimal: "${address.toString()}${prefix === undefined ? '' : `/${prefix}`}".`,
      },
    )
  if (prefix === undefined && rest.length === 0) {
    if (address) return { range: canonicalRange([address, address.kind() === 'ipv4' ? 32 : 128]) }
    if (hostKey(entry.trim()) === '')
      throw new ConfigurationError(`${field} is empty`, { field, hint: 'Remove it, or write a host name.' })
    return { host: hostKey(entry.trim()) }
  }
  const max = address?.kind() === 'ipv4' ? 32 : 128
  if (!address || rest.length > 0 || !/^\d{1,3}$/.test(prefix ?? '') || Number(prefix) > max)
    throw new ConfigurationError(`${field} "${entry}" is not a CIDR range`, {
      field,
      hint: 'Write an address and a prefix length, e.g. "10.20.0.0/16" or "fd00::/8".',
    })
  return { range: canonicalRange([address, Number(prefix)]) }
}

/** A rule with its canonical text and matcher (see `compileEgressRule`). */
export function compileRule(
  entry: string,
  field: string,
): { kind: 'name' | 'address' | 'range'; text: string; matches(host: string): boolean } {
  const rule = parseAllowRule(entry, field)
  if ('host' in rule) {
    const name = rule.host
    return { kind: 'name', text: name, matches: (host) => hostKey(host) === name }
  }
  const [network, prefix] = rule.range
  const single = !entry.includes('/')
  return {
    kind: single ? 'address' : 'range',
    text: single ? network.toString() : `${network.toString()}/${prefix}`,
    matches: (host) => {
      const address = parseAddress(host)
      return address !== undefined && inRange(address, rule.range)
    },
  }
}

/** Reads `egress.allow`: addresses and ranges as parsed numbers, everything else as host names. */
export function compileAllow(entries: readonly string[]): { hosts: Set<string>; ranges: Range[] } {
  const hosts = new Set<string>()
  const ranges: Range[] = []
  entries.forEach((entry, i) => {
    const rule = parseAllowRule(entry, `egress.allow[${i}]`)
    if ('host' in rule) hosts.add(rule.host)
    else ranges.push(rule.range)
  })
  return { hosts, ranges }
}
