import { constantFailure, fail, ok, type ParseResult } from './_result.ts'
import { monthNumber, pad2 } from './_time.ts'
import {
  type CombinedLogFields,
  type CommonLogFields,
  parseCombinedLog,
  parseCommonLog,
} from './common-log.ts'

/** Fields of an Apache error log line, 2.2 or 2.4 (Vector's `parse_apache_log` error). */
export interface ApacheErrorFields {
  /** Server local time, no offset; 2.4 adds microseconds: `2011-09-09T10:42:29.902022`. */
  timestamp: string
  /** The module that logged (2.4: `core`, `proxy_fcgi`, ...; left out when empty). */
  module?: string
  /** `emerg` ... `debug`, `trace1` ... `trace8`. */
  severity: string
  pid?: number
  /** Thread id (2.4, threaded MPMs), as text: it is often wider than a safe integer. */
  thread?: string
  /** Client address (IPv4 or IPv6). */
  client?: string
  /** Client port (2.4). */
  port?: number
  /** The message, with any `(70007)APR error: ` prefix kept in front. */
  message: string
}

/** The formats `parseApacheLog` reads. */
export type ApacheLogFormat = 'common' | 'combined' | 'error'

// [Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187:5000] message
// [Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] message
const ERROR_RE =
  /^\[\w{3} (\w{3}) {1,2}(\d{1,2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) (\d{4})\] \[(?:([^:\]]*):)?(\w+)\](?: \[pid (\d+)(?::tid (\d+))?\])? ?(.*)$/s
// An optional `file: ` / `(70007)APR error: ` prefix, then the client.
const CLIENT_RE = /^((?:[^[\]]*?: )?)\[client ([^\]]+)\] ?/
const PORT_RE = /^(.+):(\d+)$/

const NOT_ERROR = constantFailure('not an Apache error log line')

function parseApacheError(line: string): ParseResult<ApacheErrorFields> {
  const m = ERROR_RE.exec(line)
  const month = m === null ? undefined : monthNumber(m[1]!)
  if (m === null || month === undefined) return NOT_ERROR
  const out: ApacheErrorFields = {
    timestamp: `${m[4]}-${month}-${pad2(m[2]!)}T${m[3]}`,
    severity: m[6]!,
    message: '',
  }
  const v24 = m[5] !== undefined || m[7] !== undefined
  if (m[5]) out.module = m[5]
  if (m[7] !== undefined) out.pid = Number(m[7])
  if (m[8] !== undefined) out.thread = m[8]
  let message = m[9]!
  const client = CLIENT_RE.exec(message)
  if (client !== null) {
    // 2.4 logs `address:port` (IPv6 unbracketed: the port is after the last colon); 2.2 only the address.
    const port = v24 ? PORT_RE.exec(client[2]!) : null
    if (port !== null) {
      out.client = port[1]!
      out.port = Number(port[2])
    } else out.client = client[2]!
    message = client[1]! + message.slice(client[0].length)
  }
  out.message = message
  return ok(out)
}

/**
 * Parses an Apache log line in the `common`, `combined` or `error` format (2.2 and 2.4 error
 * lines). Access-log timestamps keep their offset; error timestamps are the server's local time.
 *
 * @example
 * const r = parseApacheLog(line, 'error')
 * if (r.ok && r.value.severity === 'error') log(r.value.client, r.value.message)
 */
export function parseApacheLog(line: string, format: 'common'): ParseResult<CommonLogFields>
export function parseApacheLog(line: string, format: 'combined'): ParseResult<CombinedLogFields>
export function parseApacheLog(line: string, format: 'error'): ParseResult<ApacheErrorFields>
export function parseApacheLog(
  line: string,
  format: ApacheLogFormat,
): ParseResult<CommonLogFields | CombinedLogFields | ApacheErrorFields>
export function parseApacheLog(
  line: string,
  format: ApacheLogFormat,
): ParseResult<CommonLogFields | CombinedLogFields | ApacheErrorFields> {
  if (format === 'common') return parseCommonLog(line)
  if (format === 'combined') return parseCombinedLog(line)
  if (format === 'error') return parseApacheError(line)
  return fail(`unknown Apache log format "${String(format)}" (use common, combined or error)`)
}
