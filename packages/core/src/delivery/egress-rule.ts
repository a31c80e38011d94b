import { compileRule } from './_egress-rules.ts'

/** One host rule, read the way `egress.allow` reads its entries. */
export interface EgressRule {
  /** `name`: a host name; `address`: one IP address; `range`: a CIDR range. */
  readonly kind: 'name' | 'address' | 'range'
  /**
   * The rule in canonical form: a name lower-cased without a trailing dot (`hooks.internal`),
   * an address as ipaddr.js writes it, IPv4-mapped ones as their IPv4 address (`127.0.0.1`,
   * `::1`), a range as `network/prefix` (`10.0.0.0/8`).
   */
  readonly text: string
  /**
   * Does `host` fall under the rule? A name rule matches the same name (case and a trailing
   * dot ignored); an address or range rule matches an address in any spelling (`[::ffff:7f00:1]`
   * and `2130706433` are 127.0.0.1), never a name.
   */
  matches(host: string): boolean
}

/**
 * Reads one host rule as `egress.allow` does, for other allow lists that must agree with it
 * (the sandbox's `fetch.allow`). An address or CIDR range is parsed (ipaddr.js); anything else
 * is a host name. An IPv4 address in a legacy spelling (`0177.0.0.1`, `2130706433`), a
 * malformed range or an empty entry is a ConfigurationError naming `field`.
 *
 * @example
 * const rule = compileEgressRule('::ffff:127.0.0.1', 'fetch.allow[0]')
 * rule.text // '127.0.0.1'
 * rule.matches('[::ffff:7f00:1]') // true
 * rule.matches('localhost') // false: an address rule matches addresses only
 */
export function compileEgressRule(entry: string, field: string): EgressRule {
  return compileRule(entry, field)
}
