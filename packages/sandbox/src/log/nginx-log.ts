import { fail, ok, type ParseResult } from './_result.ts'
import { type CombinedLogFields, parseCombinedLog } from './access-log.ts'

/** Fields of an nginx error log line (Vector's parse_nginx_log, format `error`). */
export interface NginxErrorFields {
  timestamp?: string
  severity?: string
  pid?: number
  tid?: number
  cid?: number
  message?: string
  client?: string
  server?: string
  request?: string
  upstream?: string
  host?: string
  referrer?: string
  port?: number
}

// 2019/02/28 12:08:44 [error] 1234#5678: *910 message, client: 1.2.3.4, server: x, request: "GET / HTTP/1.1", host: "x"
const ERROR_RE = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}:\d{2}:\d{2}) \[(\w+)\] (\d+)#(\d+):(?: \*(\d+))? (.*)$/
const CONTEXT_RE = /, (client|server|request|upstream|host|referrer|port): ("(?:[^"\\]|\\.)*"|[^,]*)/g

function parseNginxError(line: string): ParseResult<NginxErrorFields> {
  const m = ERROR_RE.exec(line)
  if (!m) return fail('not an nginx error log line')
  const out: NginxErrorFields = {
    timestamp: `${m[1]}-${m[2]}-${m[3]}T${m[4]}`,
    severity: m[5]!,
    pid: Number(m[6]),
    tid: Number(m[7]),
  }
  if (m[8]) out.cid = Number(m[8])
  let rest = m[9]!
  const first = rest.search(CONTEXT_RE)
  if (first >= 0) {
    const tail = rest.slice(first)
    rest = rest.slice(0, first)
    for (const [, key, raw] of tail.matchAll(CONTEXT_RE)) {
      const value = raw!.startsWith('"') ? raw!.slice(1, -1).replace(/\\(["\\])/g, '$1') : raw!
      if (key === 'port') out.port = Number(value)
      else out[key as 'client'] = value
    }
  }
  out.message = rest
  return ok(out)
}

/**
 * Parses an nginx log line: `combined` (the default access log format) or `error`. Error
 * timestamps carry no offset; they are local times of the server.
 *
 * @example
 * const r = parseNginxLog(line, 'combined')
 * if (!r.ok) return null // noise
 * if (r.value.method === 'POST' && r.value.path?.startsWith('/checkout')) ...
 */
export function parseNginxLog(line: string, format: 'combined'): ParseResult<CombinedLogFields>
export function parseNginxLog(line: string, format: 'error'): ParseResult<NginxErrorFields>
export function parseNginxLog(
  line: string,
  format: 'combined' | 'error',
): ParseResult<CombinedLogFields | NginxErrorFields> {
  if (format === 'combined') return parseCombinedLog(line)
  if (format === 'error') return parseNginxError(line)
  return fail(`unknown nginx log format "${String(format)}" (use combined or error)`)
}
