import { fail, monthNumber, ok, type ParseResult } from './_result.ts'
import {
  type CombinedLogFields,
  type CommonLogFields,
  parseCombinedLog,
  parseCommonLog,
} from './access-log.ts'

/** Fields of an Apache error log line (Vector's parse_apache_log, format `error`). */
export interface ApacheErrorFields {
  timestamp?: string
  module?: string
  severity?: string
  pid?: number
  thread?: string
  client?: string
  port?: number
  message?: string
}

// [Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187:5000] message
const ERROR_RE =
  /^\[\w{3} (\w{3}) (\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) (\d{4})\] \[(?:([^:\]]+):)?(\w+)\](?: \[pid (\d+)(?::tid (\d+))?\])?(?: \[client ([^\]]+?)(?::(\d+))?\])? (.*)$/

function parseApacheError(line: string): ParseResult<ApacheErrorFields> {
  const m = ERROR_RE.exec(line)
  const month = m && monthNumber(m[1]!)
  if (!m || !month) return fail('not an Apache error log line')
  const out: ApacheErrorFields = { timestamp: `${m[4]}-${month}-${m[2]}T${m[3]}` }
  if (m[5]) out.module = m[5]
  out.severity = m[6]!
  if (m[7]) out.pid = Number(m[7])
  if (m[8]) out.thread = m[8]
  if (m[9]) out.client = m[9]
  if (m[10]) out.port = Number(m[10])
  out.message = m[11]!
  return ok(out)
}

/**
 * Parses an Apache log line in the `common`, `combined` or `error` format (2.2 and 2.4 error
 * lines). Error timestamps carry no offset; they are local times of the server.
 */
export function parseApacheLog(line: string, format: 'common'): ParseResult<CommonLogFields>
export function parseApacheLog(line: string, format: 'combined'): ParseResult<CombinedLogFields>
export function parseApacheLog(line: string, format: 'error'): ParseResult<ApacheErrorFields>
export function parseApacheLog(
  line: string,
  format: 'common' | 'combined' | 'error',
): ParseResult<CommonLogFields | CombinedLogFields | ApacheErrorFields> {
  if (format === 'common') return parseCommonLog(line)
  if (format === 'combined') return parseCombinedLog(line)
  if (format === 'error') return parseApacheError(line)
  return fail(`unknown Apache log format "${String(format)}" (use common, combined or error)`)
}
