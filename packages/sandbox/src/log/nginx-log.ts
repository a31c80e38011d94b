import { constantFailure, fail, ok, type ParseResult } from './_result.ts'
import { QUOTED_BODY, type RequestParts, splitRequest, unquote } from './_text.ts'
import { httpDate } from './_time.ts'

/**
 * Fields of an nginx `combined` access line (Vector's `parse_nginx_log` combined), plus the
 * request line split into `method`, `path` and `protocol`. Absent (`-`) fields are left out.
 */
export interface NginxCombinedFields extends RequestParts {
  /** `$remote_addr`: IPv4 or IPv6. */
  client?: string
  /** `$remote_user`. */
  user?: string
  /** `$time_local` as ISO 8601 with the offset kept (`$time_iso8601` passes through). */
  timestamp: string
  /** `$request`, the request line as sent. */
  request?: string
  /** `$status`. */
  status: number
  /** `$body_bytes_sent`. */
  size?: number
  /** `$http_referer` (nginx's spelling, as in Vector). */
  referer?: string
  /** `$http_user_agent`. */
  agent?: string
  /** `$gzip_ratio`, when the format appends it. */
  compression?: number
}

/** Fields of an nginx error log line (Vector's `parse_nginx_log` error). */
export interface NginxErrorFields {
  /** Server local time, no offset: `2019-02-28T12:08:44`. */
  timestamp: string
  /** `debug`, `info`, `notice`, `warn`, `error`, `crit`, `alert` or `emerg`. */
  severity: string
  pid: number
  tid: number
  /** Connection id (`*910`). */
  cid?: number
  message: string
  /** `limit_req` rejections: how far over the limit, and the zone. */
  excess?: number
  zone?: string
  client?: string
  server?: string
  request?: string
  subrequest?: string
  upstream?: string
  host?: string
  referer?: string
}

/** The formats `parseNginxLog` reads. */
export type NginxLogFormat = 'combined' | 'error'

const Q = QUOTED_BODY
// $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" ["$gzip_ratio"]
const COMBINED_RE = new RegExp(
  `^(\\S+) - (\\S+) \\[([^\\]]*)\\] "(${Q})" (\\d{3}) (\\d+|-) "(${Q})" "(${Q})"(?: "(${Q})")?\\s*$`,
)
// 2019/02/28 12:08:44 [error] 1234#5678: *910 message, client: ..., server: ..., request: "...", host: "..."
// The context nginx appends comes in this order (ngx_http_log_error_handler).
const ERROR_RE = new RegExp(
  `^(\\d{4})/(\\d{2})/(\\d{2}) (\\d{2}:\\d{2}:\\d{2}) \\[(\\w+)\\] (\\d+)#(\\d+):(?: \\*(\\d+))? (.*?)` +
    `(?:, excess: ([\\d.]+),? by zone "([^"]*)")?(?:, client: ([^,]*))?(?:, server: ([^,]*))?` +
    `(?:, request: "(${Q})")?(?:, subrequest: "(${Q})")?(?:, upstream: "(${Q})")?` +
    `(?:, host: "(${Q})")?(?:, refer?rer: "(${Q})")?\\s*$`,
)

const NOT_COMBINED = constantFailure('not an nginx combined log line')
const NOT_ERROR = constantFailure('not an nginx error log line')
const present = (v: string | undefined): v is string => v !== undefined && v !== '' && v !== '-'

function parseCombined(line: string): ParseResult<NginxCombinedFields> {
  const m = COMBINED_RE.exec(line)
  if (m === null) return NOT_COMBINED
  const timestamp = httpDate(m[3]!)
  if (timestamp === undefined) return fail(`timestamp "${m[3]}" is not dd/Mon/yyyy:HH:MM:SS ±hhmm`)
  const out: NginxCombinedFields = { timestamp, status: Number(m[5]) }
  if (m[1] !== '-') out.client = m[1]!
  if (m[2] !== '-') out.user = m[2]!
  if (present(m[4])) {
    const request = unquote(m[4])
    out.request = request
    splitRequest(out, request)
  }
  if (m[6] !== '-') out.size = Number(m[6])
  if (present(m[7])) out.referer = unquote(m[7])
  if (present(m[8])) out.agent = unquote(m[8])
  if (present(m[9])) {
    const ratio = Number(m[9])
    if (!Number.isNaN(ratio)) out.compression = ratio
  }
  return ok(out)
}

function parseError(line: string): ParseResult<NginxErrorFields> {
  const m = ERROR_RE.exec(line)
  if (m === null) return NOT_ERROR
  const out: NginxErrorFields = {
    timestamp: `${m[1]}-${m[2]}-${m[3]}T${m[4]}`,
    severity: m[5]!,
    pid: Number(m[6]),
    tid: Number(m[7]),
    message: m[9]!,
  }
  if (m[8] !== undefined) out.cid = Number(m[8])
  if (m[10] !== undefined) out.excess = Number(m[10])
  if (m[11] !== undefined) out.zone = m[11]
  if (present(m[12])) out.client = m[12]
  if (present(m[13])) out.server = m[13]
  if (present(m[14])) out.request = unquote(m[14])
  if (present(m[15])) out.subrequest = unquote(m[15])
  if (present(m[16])) out.upstream = unquote(m[16])
  if (present(m[17])) out.host = unquote(m[17])
  if (present(m[18])) out.referer = unquote(m[18])
  return ok(out)
}

/**
 * Parses an nginx log line: `combined` (the default access log format) or `error`. Error
 * timestamps carry no offset; they are the server's local time.
 *
 * @example
 * const r = parseNginxLog(event.properties.message, 'combined')
 * if (!r.ok) return null // not an access line
 * if (r.value.method === 'POST' && r.value.path?.startsWith('/checkout')) {
 *   return { ...event, event: 'Order Completed', properties: { path: r.value.path } }
 * }
 */
export function parseNginxLog(line: string, format: 'combined'): ParseResult<NginxCombinedFields>
export function parseNginxLog(line: string, format: 'error'): ParseResult<NginxErrorFields>
export function parseNginxLog(
  line: string,
  format: NginxLogFormat,
): ParseResult<NginxCombinedFields | NginxErrorFields>
export function parseNginxLog(
  line: string,
  format: NginxLogFormat,
): ParseResult<NginxCombinedFields | NginxErrorFields> {
  if (format === 'combined') return parseCombined(line)
  if (format === 'error') return parseError(line)
  return fail(`unknown nginx log format "${String(format)}" (use combined or error)`)
}
