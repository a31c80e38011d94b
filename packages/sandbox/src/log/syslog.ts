import { fail, ok, type ParseResult, syslogDate } from './_result.ts'

/** Fields of a syslog line (Vector's parse_syslog). Structured data elements are objects keyed by their id. */
export interface SyslogFields {
  facility?: string
  severity?: string
  version?: number
  timestamp?: string
  hostname?: string
  appname?: string
  procid?: number | string
  msgid?: string
  message: string
  [sdId: string]: unknown
}

const FACILITIES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'security',
  'console',
  'solaris-cron',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
]
const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug']

const RFC5424_RE = /^<(\d{1,3})>(\d{1,2}) (\S+) (\S+) (\S+) (\S+) (\S+) ?(.*)$/s
const RFC3164_RE =
  /^(?:<(\d{1,3})>)?(\w{3}) ([ \d]\d) (\d{2}:\d{2}:\d{2}) (\S+) ([^\s:[]+)(?:\[([^\]]+)\])?: ?(.*)$/s
const SD_ELEMENT_RE = /^\[([^\s\]=]+)((?: [^\s=\]]+="(?:[^"\\]|\\.)*")*)\]/
const SD_PARAM_RE = / ([^\s=\]]+)="((?:[^"\\]|\\.)*)"/g

const nil = (v: string) => (v === '-' ? undefined : v)
const numeric = (v: string) => (/^\d+$/.test(v) ? Number(v) : v)

function priority(out: SyslogFields, pri: string | undefined) {
  if (pri === undefined) return true
  const n = Number(pri)
  if (n > 191) return false
  out.facility = FACILITIES[n >> 3]
  out.severity = SEVERITIES[n & 7]
  return true
}

function rfc5424(m: RegExpExecArray): ParseResult<SyslogFields> {
  const out: SyslogFields = { message: '' }
  if (!priority(out, m[1])) return fail('syslog priority above 191')
  out.version = Number(m[2])
  const [timestamp, hostname, appname, procid, msgid] = [m[3]!, m[4]!, m[5]!, m[6]!, m[7]!].map(nil)
  if (timestamp) out.timestamp = timestamp
  if (hostname) out.hostname = hostname
  if (appname) out.appname = appname
  if (procid) out.procid = numeric(procid)
  if (msgid) out.msgid = msgid
  let rest = m[8]!
  if (rest.startsWith('-')) rest = rest.slice(1)
  else {
    for (;;) {
      const element = SD_ELEMENT_RE.exec(rest)
      if (!element) break
      const params: Record<string, string> = {}
      for (const [, key, value] of element[2]!.matchAll(SD_PARAM_RE))
        params[key!] = value!.replace(/\\(["\\\]])/g, '$1')
      out[element[1]!] = params
      rest = rest.slice(element[0].length)
    }
  }
  out.message = rest.replace(/^ /, '').replace(/^\uFEFF/, '')
  return ok(out)
}

function rfc3164(m: RegExpExecArray, year: number): ParseResult<SyslogFields> {
  const out: SyslogFields = { message: m[8]! }
  if (!priority(out, m[1])) return fail('syslog priority above 191')
  const timestamp = syslogDate(m[2]!, m[3]!, m[4]!, year)
  if (!timestamp) return fail('not a syslog line: unknown month')
  out.timestamp = timestamp
  out.hostname = m[5]!
  out.appname = m[6]!
  if (m[7]) out.procid = numeric(m[7])
  return ok(out)
}

/**
 * Parses a syslog line: RFC 5424 (with structured data) or, best effort, RFC 3164. RFC 3164
 * timestamps have no year and no offset: `year` supplies the year (default: the current
 * UTC year), and the time is the sender's local time.
 *
 * @example
 * parseSyslog('<34>Oct 11 22:14:15 mymachine su[123]: failed for lonvick', { year: 2026 })
 * // { ok: true, value: { facility: 'auth', severity: 'crit', timestamp: '2026-10-11T22:14:15', ... } }
 */
export function parseSyslog(line: string, options: { year?: number } = {}): ParseResult<SyslogFields> {
  const modern = RFC5424_RE.exec(line)
  if (modern) return rfc5424(modern)
  const legacy = RFC3164_RE.exec(line)
  if (legacy) return rfc3164(legacy, options.year ?? new Date().getUTCFullYear())
  return fail('not a syslog line (RFC 5424 or RFC 3164)')
}
