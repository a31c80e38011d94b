import { describe, expect, it } from 'vitest'
import { parseSyslog } from '../../src/log/index.ts'

describe('parseSyslog RFC 5424', () => {
  it('parses several structured-data elements, with escaped ], " and \\ in values', () => {
    const line =
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 8710 ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high" note="a\\]b \\"c\\" d\\\\e"] An application event log entry'
    expect(parseSyslog(line)).toEqual({
      ok: true,
      value: {
        facility: 'local4',
        severity: 'notice',
        version: 1,
        timestamp: '2003-10-11T22:14:15.003Z',
        hostname: 'mymachine.example.com',
        appname: 'evntslog',
        procid: 8710,
        msgid: 'ID47',
        'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' },
        'examplePriority@32473': { class: 'high', note: 'a]b "c" d\\e' },
        message: 'An application event log entry',
      },
    })
  })

  it("parses Vector's example (a space after =) and empty elements", () => {
    expect(
      parseSyslog(
        '<13>1 2020-03-13T20:45:38.119Z dynamicwireless.name non 2426 ID931 [exampleSDID@32473 iut="3" eventSource= "Application" eventID="1011"][empty] Try to override the THX port',
      ),
    ).toEqual({
      ok: true,
      value: {
        facility: 'user',
        severity: 'notice',
        version: 1,
        timestamp: '2020-03-13T20:45:38.119Z',
        hostname: 'dynamicwireless.name',
        appname: 'non',
        procid: 2426,
        msgid: 'ID931',
        'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' },
        empty: {},
        message: 'Try to override the THX port',
      },
    })
  })

  it('leaves out NILVALUE fields, without structured data', () => {
    expect(parseSyslog('<34>1 2026-11-22T10:00:00+01:00 - - - - - su failed')).toEqual({
      ok: true,
      value: {
        facility: 'auth',
        severity: 'crit',
        version: 1,
        timestamp: '2026-11-22T10:00:00+01:00',
        message: 'su failed',
      },
    })
    expect(parseSyslog('<14>1 - web-01 api - - -')).toEqual({
      ok: true,
      value: {
        facility: 'user',
        severity: 'info',
        version: 1,
        hostname: 'web-01',
        appname: 'api',
        message: '',
      },
    })
  })

  it('keeps a text procid, strips the UTF-8 BOM and an RFC 6587 octet count', () => {
    expect(parseSyslog('97 <14>1 2026-11-22T10:00:00Z web-01 api worker-3 REQ - \uFEFFhello')).toEqual({
      ok: true,
      value: {
        facility: 'user',
        severity: 'info',
        version: 1,
        timestamp: '2026-11-22T10:00:00Z',
        hostname: 'web-01',
        appname: 'api',
        procid: 'worker-3',
        msgid: 'REQ',
        message: 'hello',
      },
    })
  })

  it('returns typed failures for a bad priority or timestamp', () => {
    expect(parseSyslog('<999>1 - - - - - - x')).toEqual({
      ok: false,
      error: 'syslog priority 999 is above 191',
    })
    expect(parseSyslog('<14>1 yesterday web-01 api - - - x')).toEqual({
      ok: false,
      error: 'RFC 5424 timestamp "yesterday" is not RFC 3339',
    })
  })
})

describe('parseSyslog RFC 3164', () => {
  it('parses a line with a pid, taking the year from options', () => {
    expect(
      parseSyslog("<34>Oct 11 22:14:15 mymachine su[123]: 'su root' failed for lonvick on /dev/pts/8", {
        year: 2026,
      }),
    ).toEqual({
      ok: true,
      value: {
        facility: 'auth',
        severity: 'crit',
        timestamp: '2026-10-11T22:14:15',
        hostname: 'mymachine',
        appname: 'su',
        procid: 123,
        message: "'su root' failed for lonvick on /dev/pts/8",
      },
    })
  })

  it('parses a line without a priority or pid, and a space-padded day', () => {
    expect(parseSyslog('Nov  2 03:04:05 web-01 CRON: job done', { year: 2026 })).toEqual({
      ok: true,
      value: { timestamp: '2026-11-02T03:04:05', hostname: 'web-01', appname: 'CRON', message: 'job done' },
    })
    expect(parseSyslog('Jun 8 11:54:08 master kernel: oom', { year: 2026 })).toMatchObject({
      ok: true,
      value: { timestamp: '2026-06-08T11:54:08' },
    })
  })

  it('parses a line without a host name (haproxy) and one without a tag', () => {
    expect(
      parseSyslog('<133>Jun 13 16:33:35 haproxy[73411]: Proxy sticky-servers started.', { year: 2026 }),
    ).toEqual({
      ok: true,
      value: {
        facility: 'local0',
        severity: 'notice',
        timestamp: '2026-06-13T16:33:35',
        appname: 'haproxy',
        procid: 73411,
        message: 'Proxy sticky-servers started.',
      },
    })
    expect(parseSyslog('<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!', { year: 2026 })).toEqual({
      ok: true,
      value: {
        facility: 'user',
        severity: 'notice',
        timestamp: '2026-02-05T17:32:18',
        hostname: '10.0.0.99',
        message: 'Use the BFG!',
      },
    })
  })

  it("parses rsyslog's RFC 3339 variant, keeping its offset", () => {
    expect(
      parseSyslog('<86>2026-11-22T10:00:00.123+01:00 web-01 sshd[42]: Accepted publickey for ada'),
    ).toEqual({
      ok: true,
      value: {
        facility: 'authpriv',
        severity: 'info',
        timestamp: '2026-11-22T10:00:00.123+01:00',
        hostname: 'web-01',
        appname: 'sshd',
        procid: 42,
        message: 'Accepted publickey for ada',
      },
    })
  })

  it('resolves the missing year from a reference date, deterministically', () => {
    const at = (line: string, referenceDate: string) => {
      const r = parseSyslog(line, { referenceDate })
      return r.ok ? r.value.timestamp : r.error
    }
    expect(at('Oct 11 22:14:15 h app: x', '2026-11-22T00:00:00Z')).toBe('2026-10-11T22:14:15')
    // A December line read on New Year's Day is from last year.
    expect(at('Dec 31 23:59:59 h app: x', '2027-01-01T00:00:10Z')).toBe('2026-12-31T23:59:59')
    // A day ahead is clock skew, not last year.
    expect(at('Nov 23 01:00:00 h app: x', '2026-11-22T23:00:00Z')).toBe('2026-11-23T01:00:00')
    // Feb 29 belongs to the last leap year.
    expect(at('Feb 29 10:00:00 h app: x', '2027-03-01T00:00:00Z')).toBe('2024-02-29T10:00:00')
    expect(
      parseSyslog('Oct 11 22:14:15 h app: x', { referenceDate: new Date(Date.UTC(2030, 11, 1)) }),
    ).toMatchObject({
      ok: true,
      value: { timestamp: '2030-10-11T22:14:15' },
    })
  })

  it('uses the current year when given neither year nor reference date', () => {
    const year = new Date().getUTCFullYear()
    const r = parseSyslog('Jan  1 00:00:00 h app: x')
    expect(r.ok && r.value.timestamp).toBe(`${year}-01-01T00:00:00`)
  })

  it('returns typed failures: no timestamp, an impossible date, a bad reference date', () => {
    const notSyslog = { ok: false, error: 'not a syslog line (RFC 5424 or RFC 3164)' }
    expect(parseSyslog('just text')).toEqual(notSyslog)
    expect(parseSyslog('<13>hello')).toEqual(notSyslog)
    expect(parseSyslog('Foo 11 22:14:15 h app: x', { year: 2026 })).toEqual({
      ok: false,
      error: 'not a syslog line: unknown month "Foo"',
    })
    expect(parseSyslog('Feb 30 10:00:00 h app: x', { year: 2026 })).toEqual({
      ok: false,
      error: 'syslog date Feb 30 does not exist in 2026',
    })
    expect(parseSyslog('Feb 3 10:00:00 h app: x', { referenceDate: 'soon' })).toEqual({
      ok: false,
      error: 'referenceDate soon is not a date',
    })
  })
})
