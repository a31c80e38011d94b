import { ConfigurationError, compileEgressRule } from '@patchbay/core'

/**
 * One `fetch.allow` entry, compiled: a host name (`api.example.com`), a wildcard for its
 * subdomains (`*.example.com`) or an IP address in any spelling (`127.0.0.1`, `[::1]`,
 * `::ffff:127.0.0.1`), with an optional port (`host:8443`, `[::1]:8080`); without one, only the
 * scheme's default port (80, 443). Names compare as names (case and a trailing dot ignored);
 * addresses compare as parsed numbers through core's `compileEgressRule`, so `127.0.0.1:8080`
 * matches `[::ffff:7f00:1]:8080` and an entry cannot be walked around by another spelling.
 */
export interface FetchAllowRule {
  /** Is `host` (as the URL parser writes it) on `port` allowed? `defaultPort` is the scheme's. */
  matches(host: string, port: number, defaultPort: number): boolean
}

const HINT =
  'Write a host name (api.example.com), a wildcard (*.example.com) or an IP address in dotted decimal (127.0.0.1) or IPv6 ([::1]), each with an optional :port (1-65535).'

/** Labels of a host name the URL parser accepts as is (no scheme, path, spaces or ports). */
const NAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/

/** Splits `host[:port]`; an IPv6 address with a port is bracketed (`[::1]:8080`). */
function splitPort(entry: string, field: string): { host: string; port: string | undefined } {
  const bracketed = /^(\[[^\]]*\])(?::(.*))?$/.exec(entry)
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] }
  const colons = entry.split(':').length - 1
  if (colons > 1) return { host: entry, port: undefined } // a bare IPv6 address: no port
  if (colons === 0) return { host: entry, port: undefined }
  const at = entry.lastIndexOf(':')
  if (at === 0)
    throw new ConfigurationError(`${field} "${entry}" has a port but no host`, { field, hint: HINT })
  return { host: entry.slice(0, at), port: entry.slice(at + 1) }
}

function readPort(text: string | undefined, entry: string, field: string): number | undefined {
  if (text === undefined) return undefined
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN
  if (!(port >= 1 && port <= 65535))
    throw new ConfigurationError(`${field} "${entry}" has an invalid port "${text}"`, { field, hint: HINT })
  return port
}

/**
 * Compiles one `fetch.allow` entry; a malformed one (a legacy IPv4 spelling such as
 * `0177.0.0.1`, a CIDR range, a URL, a bad port) is a ConfigurationError naming `field`.
 */
export function compileFetchAllowRule(entry: string, field: string): FetchAllowRule {
  const trimmed = entry.trim()
  if (trimmed.includes('/'))
    throw new ConfigurationError(
      `${field} "${entry}" is not a host: fetch.allow takes no CIDR ranges or URLs`,
      {
        field,
        hint: `${HINT} To let fetch reach a private range, allow its hosts here and the range in \`egress.allow\`.`,
      },
    )
  const { host, port: portText } = splitPort(trimmed, field)
  const port = readPort(portText, entry, field)
  const portMatches = (p: number, defaultPort: number) => p === (port ?? defaultPort)
  const wildcard = host.startsWith('*.')
  // The URL parser reads a host whose last label is a number as an IPv4 address, so such a
  // wildcard (`*.1`) could match only addresses, which compare as numbers, never as text.
  if (wildcard && /(^|\.)(\d+|0x[0-9a-f]*)\.?$/i.test(host.slice(2)))
    throw new ConfigurationError(
      `${field} "${entry}" is a wildcard over addresses; wildcards match host names only`,
      {
        field,
        hint: 'List each address instead, with its port (127.0.0.1:8080).',
      },
    )
  const rule = compileEgressRule(wildcard ? host.slice(2) : host, field)
  if (rule.kind === 'name' && !NAME.test(rule.text))
    throw new ConfigurationError(`${field} "${entry}" is not a host name, address or wildcard`, {
      field,
      hint: HINT,
    })
  if (wildcard) {
    if (rule.kind !== 'name')
      throw new ConfigurationError(
        `${field} "${entry}" is a wildcard over an address; wildcards match host names only`,
        {
          field,
          hint: 'List each address instead, with its port (127.0.0.1:8080).',
        },
      )
    const suffix = `.${rule.text}`
    return {
      matches: (h, p, d) => portMatches(p, d) && h.toLowerCase().replace(/\.$/, '').endsWith(suffix),
    }
  }
  return { matches: (h, p, d) => portMatches(p, d) && rule.matches(h) }
}

/** Compiles `fetch.allow`; errors name the entry (`fetch.allow[2]`). */
export function compileFetchAllow(entries: readonly string[]): FetchAllowRule[] {
  return entries.map((entry, i) => compileFetchAllowRule(entry, `fetch.allow[${i}]`))
}
