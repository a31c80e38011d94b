import { describe, expect, it } from 'vitest'
import { parseJsonLine, parseKeyValue, parseLogfmt, parseSyslog } from '../../src/log/index.ts'

describe('parseSyslog', () => {
  it('parses RFC 5424 with structured data (several elements, escaped ])', () => {
    const line =
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 8710 ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high" note="a\\]b"] An application event log entry'
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
        'examplePriority@32473': { class: 'high', note: 'a]b' },
        message: 'An application event log entry',
      },
    })
  })

  it('parses RFC 5424 without structured data, with NILVALUEs', () => {
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
  })

  it('parses RFC 3164 without a year, with and without a pid', () => {
    expect(
      parseSyslog("<34>Oct 11 22:14:15 mymachine su[123]: 'su root' failed for lonvick", { year: 2026 }),
    ).toEqual({
      ok: true,
      value: {
        facility: 'auth',
        severity: 'crit',
        timestamp: '2026-10-11T22:14:15',
        hostname: 'mymachine',
        appname: 'su',
        procid: 123,
        message: "'su root' failed for lonvick",
      },
    })
    expect(parseSyslog('Nov  2 03:04:05 web-01 CRON: job done', { year: 2026 })).toEqual({
      ok: true,
      value: { timestamp: '2026-11-02T03:04:05', hostname: 'web-01', appname: 'CRON', message: 'job done' },
    })
  })

  it('returns a typed failure for anything else', () => {
    expect(parseSyslog('just text')).toEqual({ ok: false, error: 'not a syslog line (RFC 5424 or RFC 3164)' })
    expect(parseSyslog('<999>1 - - - - - - x')).toEqual({ ok: false, error: 'syslog priority above 191' })
  })
})

describe('parseKeyValue / parseLogfmt', () => {
  it('parses logfmt with quoted values, escapes and standalone keys', () => {
    expect(parseLogfmt('level=info msg="user \\"ada\\" signed in" cached dur=12ms')).toEqual({
      ok: true,
      value: { level: 'info', msg: 'user "ada" signed in', cached: true, dur: '12ms' },
    })
  })

  it('takes custom delimiters', () => {
    expect(parseKeyValue('a:1|b:two words|c', { fieldDelimiter: '|', keyValueDelimiter: ':' })).toEqual({
      ok: true,
      value: { a: '1', b: 'two words', c: true },
    })
    expect(parseKeyValue('a=1 flag', { acceptStandaloneKey: false })).toEqual({ ok: true, value: { a: '1' } })
  })

  it('fails an empty line', () => {
    expect(parseLogfmt('   ').ok).toBe(false)
  })
})

describe('parseJsonLine', () => {
  it('parses an object and fails anything else, without throwing', () => {
    expect(parseJsonLine('{"level":"warn","n":1}')).toEqual({ ok: true, value: { level: 'warn', n: 1 } })
    expect(parseJsonLine('[1,2]')).toEqual({ ok: false, error: 'the line is JSON but not an object' })
    expect(parseJsonLine('{oops')).toMatchObject({ ok: false, error: expect.stringMatching(/^not JSON: /) })
  })
})
