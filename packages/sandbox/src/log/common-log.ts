import { constantFailure, fail, ok, type ParseResult } from './_result.ts'
import { QUOTED_BODY, type RequestParts, splitRequest, unquote } from './_text.ts'
import { httpDate } from './_time.ts'

/** Fields of a Common Log Format line (Vector's `parse_common_log`). Absent (`-`) fields are left out. */
export interface CommonLogFields extends RequestParts {
  /** The client: an IPv4 or IPv6 address, or a host name (`%h`). */
  host?: string
  /** RFC 1413 identity (`%l`), almost always `-`. */
  identity?: string
  /** Authenticated user (`%u`). */
  user?: string
  /** Request time, ISO 8601 with the offset kept: `2000-10-10T13:55:36-07:00`. */
  timestamp?: string
  /** The request line as sent (`%r`), `\"` unescaped. */
  message?: string
  /** Response status (`%>s`). */
  status?: number
  /** Response body bytes (`%b`). */
  size?: number
}

/** Combined Log Format adds the referrer and the user agent (Vector's `parse_apache_log` combined). */
export interface CombinedLogFields extends CommonLogFields {
  /** `Referer` request header. */
  referrer?: string
  /** `User-Agent` request header. */
  agent?: string
}

// host ident user [time] "request" status size ["referrer" "agent"]
const HEAD = `^(\\S+) (\\S+) (\\S+) \\[([^\\]]*)\\] "(${QUOTED_BODY})" (\\d{3}|-) (\\d+|-)`
const COMMON_RE = new RegExp(`${HEAD}\\s*$`)
const COMBINED_RE = new RegExp(`${HEAD} (?:"(${QUOTED_BODY})"|-) (?:"(${QUOTED_BODY})"|-)\\s*$`)

const NOT_COMMON = constantFailure('not a Common Log Format line')
const NOT_COMBINED = constantFailure('not a Combined Log Format line')

function common(m: RegExpExecArray): CommonLogFields | string {
  const out: CommonLogFields = {}
  if (m[1] !== '-') out.host = m[1]!
  if (m[2] !== '-') out.identity = m[2]!
  if (m[3] !== '-') out.user = m[3]!
  if (m[4] !== '-') {
    const timestamp = httpDate(m[4]!)
    if (timestamp === undefined) return `timestamp "${m[4]}" is not dd/Mon/yyyy:HH:MM:SS ±hhmm`
    out.timestamp = timestamp
  }
  const request = m[5]!
  if (request !== '' && request !== '-') {
    const message = unquote(request)
    out.message = message
    splitRequest(out, message)
  }
  if (m[6] !== '-') out.status = Number(m[6])
  if (m[7] !== '-') out.size = Number(m[7])
  return out
}

/**
 * Parses a Common Log Format line (Apache `common`, the CLF of most web servers).
 *
 * @example
 * parseCommonLog('127.0.0.1 bob frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326')
 * // { ok: true, value: { host: '127.0.0.1', identity: 'bob', user: 'frank',
 * //   timestamp: '2000-10-10T13:55:36-07:00', message: 'GET /apache_pb.gif HTTP/1.0', method: 'GET',
 * //   path: '/apache_pb.gif', protocol: 'HTTP/1.0', status: 200, size: 2326 } }
 */
export function parseCommonLog(line: string): ParseResult<CommonLogFields> {
  const m = COMMON_RE.exec(line)
  if (m === null) return NOT_COMMON
  const out = common(m)
  return typeof out === 'string' ? fail(out) : ok(out)
}

/**
 * Parses a Combined Log Format line: Common plus `"referrer" "user agent"` (Apache `combined`).
 * For nginx's own field names use `parseNginxLog(line, 'combined')`.
 *
 * @example
 * const r = parseCombinedLog(line)
 * if (r.ok && r.value.agent?.includes('bot')) return null
 */
export function parseCombinedLog(line: string): ParseResult<CombinedLogFields> {
  const m = COMBINED_RE.exec(line)
  if (m === null) return NOT_COMBINED
  const out: CombinedLogFields | string = common(m)
  if (typeof out === 'string') return fail(out)
  if (m[8] !== undefined && m[8] !== '' && m[8] !== '-') out.referrer = unquote(m[8])
  if (m[9] !== undefined && m[9] !== '' && m[9] !== '-') out.agent = unquote(m[9])
  return ok(out)
}
