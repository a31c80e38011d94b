import { fail, httpDate, ok, type ParseResult, present, unquote } from './_result.ts'

/** Fields of a Common Log Format line (Vector's parse_common_log). */
export interface CommonLogFields {
  host?: string
  identity?: string
  user?: string
  timestamp?: string
  message?: string
  method?: string
  path?: string
  protocol?: string
  status?: number
  size?: number
}

/** Combined Log Format adds the referrer and the user agent (parse_apache_log combined). */
export interface CombinedLogFields extends CommonLogFields {
  referrer?: string
  agent?: string
}

// host ident user [time] "request" status size ["referrer" "agent"]
const QUOTED = '"((?:[^"\\\\]|\\\\.)*)"'
const COMMON = `^(\\S+) (\\S+) (\\S+) \\[([^\\]]+)\\] ${QUOTED} (\\d{3}|-) (\\d+|-)`
const COMMON_RE = new RegExp(`${COMMON}\\s*$`)
const COMBINED_RE = new RegExp(`${COMMON} ${QUOTED} ${QUOTED}\\s*$`)
const REQUEST_RE = /^(\S+) (\S+)(?: (\S+))?$/

function fields(m: RegExpExecArray): CommonLogFields {
  const out: CommonLogFields = {}
  const host = present(m[1])
  if (host) out.host = host
  const identity = present(m[2])
  if (identity) out.identity = identity
  const user = present(m[3])
  if (user) out.user = user
  const timestamp = httpDate(m[4]!)
  if (timestamp) out.timestamp = timestamp
  const message = present(unquote(m[5]!))
  if (message !== undefined && message !== '') {
    out.message = message
    const request = REQUEST_RE.exec(message)
    if (request) {
      out.method = request[1]!
      out.path = request[2]!
      if (request[3]) out.protocol = request[3]
    }
  }
  if (m[6] !== '-') out.status = Number(m[6])
  if (m[7] !== '-') out.size = Number(m[7])
  return out
}

/**
 * Parses a Common Log Format line:
 * `127.0.0.1 bob frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326`.
 *
 * @example
 * const r = parseCommonLog(line)
 * if (r.ok && r.value.status >= 500) ...
 */
export function parseCommonLog(line: string): ParseResult<CommonLogFields> {
  const m = COMMON_RE.exec(line)
  return m ? ok(fields(m)) : fail('not a Common Log Format line')
}

/** Parses a Combined Log Format line (Common plus `"referrer" "user agent"`). */
export function parseCombinedLog(line: string): ParseResult<CombinedLogFields> {
  const m = COMBINED_RE.exec(line)
  if (!m) return fail('not a Combined Log Format line')
  const out: CombinedLogFields = fields(m)
  const referrer = present(unquote(m[8]!))
  if (referrer) out.referrer = referrer
  const agent = present(unquote(m[9]!))
  if (agent) out.agent = agent
  return ok(out)
}
