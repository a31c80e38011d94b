import { constantFailure, fail, ok, type ParseResult } from './_result.ts'
import { monthNumber, pad2, validDay } from './_time.ts'

/** One RFC 5424 structured-data element: its parameters by name. */
export type SyslogStructuredData = Record<string, string>

/**
 * Fields of a syslog line (Vector's `parse_syslog`). Fields the line does not carry (or carries
 * as the NILVALUE `-`) are left out. Each structured-data element becomes an object under its
 * id, e.g. `value['exampleSDID@32473'] = { iut: '3' }`.
 */
export interface SyslogFields {
  /** Facility name from the priority: `kern`, `user`, ..., `local7`. */
  facility?: string
  /** Severity name from the priority: `emerg`, `alert`, `crit`, `err`, `warning`, `notice`, `info`, `debug`. */
  severity?: string
  /** Protocol version (RFC 5424 only, always 1 today). */
  version?: number
  /** RFC 5424: as sent (RFC 3339, offset kept). RFC 3164: local time, no offset, year resolved. */
  timestamp?: string
  hostname?: string
  appname?: string
  /** A number when numeric (a pid), else the text. */
  procid?: number | string
  msgid?: string
  message: string
  [sdId: string]: SyslogStructuredData | string | number | undefined
}

/** How `parseSyslog` completes RFC 3164 timestamps, which carry no year. */
export interface SyslogOptions {
  /** Use this year for RFC 3164 timestamps. */
  year?: number
  /**
   * Otherwise take the year of this date (default: now), or the year before when the line's
   * month and day would fall more than a day after it (a December line read in January).
   * Pass it (or `year`) for output that does not depend on the clock: tests, replays.
   */
  referenceDate?: Date | string | number
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

// An optional RFC 6587 octet count, then <PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD [MSG]]
const RFC5424_RE = /^(?:\d+ )?<(\d{1,3})>(\d{1,2}) (\S+) (\S+) (\S+) (\S+) (\S+)(?: (.*))?$/s
const RFC3339_RE = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/
const SD_ELEMENT_RE = /\[([^\s\]="]+)((?: +[^\s="\]]+ *= *"[^"\\]*(?:\\.[^"\\]*)*")*) *\]/y
const SD_PARAM_RE = / +([^\s="\]]+) *= *"([^"\\]*(?:\\.[^"\\]*)*)"/g
// [<PRI>] then `Mmm dd hh:mm:ss` (BSD) or an RFC 3339 time (rsyslog), then the rest.
const RFC3164_RE =
  /^(?:\d+ )?(?:<(\d{1,3})>)?(?:([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)|(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))) ?(.*)$/s
// `app[pid]:`, `app:` or `app[pid]` (no colon).
const TAG_RE = /^([^\s:[\]]+)(?:\[([^\]\s]*)\]:?|:)(?: |$)/
const DAY_MS = 86_400_000
const NOT_SYSLOG = constantFailure('not a syslog line (RFC 5424 or RFC 3164)')

const numeric = (v: string): number | string => (/^\d{1,15}$/.test(v) ? Number(v) : v)

function priority(out: SyslogFields, pri: string | undefined): boolean {
  if (pri === undefined) return true
  const n = Number(pri)
  if (n > 191) return false
  out.facility = FACILITIES[n >> 3]!
  out.severity = SEVERITIES[n & 7]!
  return true
}

function rfc5424(m: RegExpExecArray): ParseResult<SyslogFields> {
  const out: SyslogFields = { message: '' }
  if (!priority(out, m[1])) return fail(`syslog priority ${m[1]} is above 191`)
  out.version = Number(m[2])
  const timestamp = m[3]!
  if (timestamp !== '-') {
    if (!RFC3339_RE.test(timestamp)) return fail(`RFC 5424 timestamp "${timestamp}" is not RFC 3339`)
    out.timestamp = timestamp.toUpperCase()
  }
  if (m[4] !== '-') out.hostname = m[4]!
  if (m[5] !== '-') out.appname = m[5]!
  if (m[6] !== '-') out.procid = numeric(m[6]!)
  if (m[7] !== '-') out.msgid = m[7]!
  const rest = m[8] ?? ''
  let at = 0
  if (rest.startsWith('-')) at = 1
  else if (rest.startsWith('[')) {
    SD_ELEMENT_RE.lastIndex = 0
    for (let el = SD_ELEMENT_RE.exec(rest); el !== null; el = SD_ELEMENT_RE.exec(rest)) {
      const params: SyslogStructuredData = {}
      for (const [, name, value] of el[2]!.matchAll(SD_PARAM_RE))
        params[name!] = value!.includes('\\') ? value!.replace(/\\(["\\\]])/g, '$1') : value!
      out[el[1]!] = params
      at = SD_ELEMENT_RE.lastIndex
    }
  }
  let message = rest.slice(at)
  if (message.startsWith(' ')) message = message.slice(1)
  if (message.startsWith('\uFEFF')) message = message.slice(1)
  out.message = message
  return ok(out)
}

function referenceTime(options: SyslogOptions): number {
  const ref = options.referenceDate
  if (ref === undefined) return Date.now()
  return (ref instanceof Date ? ref : new Date(ref)).getTime()
}

function rfc3164(m: RegExpExecArray, options: SyslogOptions): ParseResult<SyslogFields> {
  const out: SyslogFields = { message: '' }
  if (!priority(out, m[1])) return fail(`syslog priority ${m[1]} is above 191`)
  if (m[5] !== undefined) out.timestamp = m[5]
  else {
    const month = monthNumber(m[2]!)
    if (month === undefined) return fail(`not a syslog line: unknown month "${m[2]}"`)
    const mon = Number(month)
    const day = Number(m[3])
    let year = options.year
    if (year === undefined) {
      const ref = referenceTime(options)
      if (Number.isNaN(ref)) return fail(`referenceDate ${String(options.referenceDate)} is not a date`)
      year = new Date(ref).getUTCFullYear()
      const [hh, mm, ss] = m[4]!.split(':').map(Number)
      if (Date.UTC(year, mon - 1, day, hh, mm, ss) > ref + DAY_MS) year--
      // Feb 29 belongs to the last leap year.
      for (let i = 0; i < 8 && !validDay(year, mon, day); i++) year--
    }
    if (!validDay(year, mon, day)) return fail(`syslog date ${m[2]} ${m[3]} does not exist in ${year}`)
    out.timestamp = `${String(year).padStart(4, '0')}-${month}-${pad2(m[3]!)}T${m[4]}`
  }
  let rest = m[6]!
  let tag = TAG_RE.exec(rest)
  if (tag === null) {
    // The first word is the host name, unless the rest is only a message.
    const space = rest.indexOf(' ')
    const host = space < 0 ? rest : rest.slice(0, space)
    if (host !== '') {
      out.hostname = host
      rest = space < 0 ? '' : rest.slice(space + 1)
      tag = TAG_RE.exec(rest)
    }
  }
  if (tag !== null) {
    out.appname = tag[1]!
    if (tag[2]) out.procid = numeric(tag[2])
    rest = rest.slice(tag[0].length)
  }
  out.message = rest
  return ok(out)
}

/**
 * Parses a syslog line: RFC 5424 (with structured data) or, best effort, RFC 3164 (BSD), with
 * or without a priority, host name or pid, and rsyslog's RFC 3339 variant. RFC 3164 times have
 * no year and no offset: the year comes from `options` (see {@link SyslogOptions}); the time
 * stays the sender's local time.
 *
 * @example
 * parseSyslog('<34>Oct 11 22:14:15 mymachine su[123]: failed for lonvick', { year: 2026 })
 * // { ok: true, value: { facility: 'auth', severity: 'crit', timestamp: '2026-10-11T22:14:15',
 * //   hostname: 'mymachine', appname: 'su', procid: 123, message: 'failed for lonvick' } }
 */
export function parseSyslog(line: string, options: SyslogOptions = {}): ParseResult<SyslogFields> {
  const modern = RFC5424_RE.exec(line)
  if (modern !== null) return rfc5424(modern)
  const legacy = RFC3164_RE.exec(line)
  if (legacy !== null) return rfc3164(legacy, options)
  return NOT_SYSLOG
}
