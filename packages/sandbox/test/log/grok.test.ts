import { describe, expect, it } from 'vitest'
import { compileGrok, GROK_PATTERN_NAMES, parseGrok } from '../../src/log/index.ts'

/** One matching sample per pattern name, and one that must not match (where one is meaningful). */
const SAMPLES: Record<string, { yes: string[]; no?: string[] }> = {
  BASE10NUM: { yes: ['-12.5', '.5', '42'], no: ['1.2.3', 'x'] },
  DATA: { yes: ['', 'any thing'] },
  DATE: { yes: ['11/22/2026', '22.11.2026'], no: ['2026-11-22'] },
  DATESTAMP: { yes: ['11/22/2026 10:00:01', '22.11.2026-10:00:01'] },
  DATE_EU: { yes: ['22.11.2026', '22/11/26'], no: ['11/22/2026'] },
  DATE_US: { yes: ['11/22/2026', '1-2-26'], no: ['22.11.2026'] },
  DAY: { yes: ['Mon', 'Saturday'], no: ['Funday'] },
  EMAILADDRESS: { yes: ['ada.lovelace+logs@example.co.uk'], no: ['ada@', '@example.com'] },
  EMAILLOCALPART: { yes: ['ada.lovelace+logs'], no: ['a b'] },
  GREEDYDATA: { yes: ['', 'the rest of the line'] },
  HOST: { yes: ['web-01.example.com'] },
  HOSTNAME: { yes: ['localhost', 'web-01.example.com', 'example.com.'], no: ['-bad.example', 'a b'] },
  HOSTPORT: { yes: ['shop.example:8443', '10.0.0.1:80'], no: ['shop.example'] },
  HOUR: { yes: ['0', '09', '23'], no: ['24'] },
  HTTPDATE: { yes: ['10/Oct/2000:13:55:36 -0700'], no: ['2000-10-10T13:55:36'] },
  INT: { yes: ['-3', '+7', '42'], no: ['4.2'] },
  IP: { yes: ['10.0.0.1', '2001:db8::1', '::1'], no: ['300.1.1.1', 'host'] },
  IPORHOST: { yes: ['10.0.0.1', '2001:db8::1', 'shop.example'], no: ['a b'] },
  IPV4: { yes: ['0.0.0.0', '192.168.1.255'], no: ['256.1.1.1', '1.2.3'] },
  IPV6: {
    yes: [
      '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
      '2001:db8::1',
      '2001:db8::1:2',
      '::1',
      '::',
      'fe80::1%eth0',
      '::ffff:192.0.2.128',
      '2001:db8::',
    ],
    no: ['10:00:01', '2001:db8:::1', '1.2.3.4', 'g::1'],
  },
  ISO8601_TIMEZONE: { yes: ['Z', '+01:00', '-0530'], no: ['CET'] },
  LOGLEVEL: { yes: ['INFO', 'warn', 'Warning', 'ERROR', 'crit', 'EMERG', 'trace'], no: ['loud'] },
  MINUTE: { yes: ['00', '59'], no: ['60'] },
  MONTH: { yes: ['Jan', 'oct', 'September'], no: ['Foo'] },
  MONTHDAY: { yes: ['1', '09', '31'], no: ['32', '00'] },
  MONTHNUM: { yes: ['1', '09', '12'], no: ['13'] },
  NONNEGINT: { yes: ['0', '42'], no: ['-1'] },
  NOTSPACE: { yes: ['x=1;y'], no: ['a b'] },
  NUMBER: { yes: ['3.14', '-2'], no: ['e'] },
  POSINT: { yes: ['1', '8080'], no: ['0', '-1'] },
  PROG: { yes: ['postfix/smtpd', 'CRON'], no: ['su[1]'] },
  QS: { yes: ['"a \\"b\\""', "'single'"], no: ['"open'] },
  QUOTEDSTRING: { yes: ['"plain"', '""', '`tick`'], no: ['bare'] },
  SECOND: { yes: ['00', '59', '60', '05.123'], no: ['61'] },
  SPACE: { yes: ['', '   '] },
  SYSLOGHOST: { yes: ['web-01', '10.0.0.1'] },
  SYSLOGTIMESTAMP: { yes: ['Nov  2 03:04:05', 'Oct 11 22:14:15'], no: ['2026-11-02 03:04:05'] },
  TIME: { yes: ['10:00:01', '23:59:60.5'], no: ['10:00'] },
  TIMESTAMP_ISO8601: {
    yes: ['2026-11-22T10:00:00.123+01:00', '2026-11-22 10:00:00', '2026-11-22T10:00Z'],
    no: ['22/11/2026 10:00'],
  },
  TZ: { yes: ['UTC', 'PST', 'CEST'.slice(1)], no: ['XYZ'] },
  URI: {
    yes: ['https://user@shop.example:8443/a/b?c=d', 'ftp://10.0.0.1/file.txt', 'mailto://ada@example.com'],
    no: ['/just/a/path'],
  },
  URIHOST: { yes: ['shop.example:8443', 'shop.example'] },
  URIPARAM: { yes: ['?q=usb-c+hub&page=2', '?a[]=1'], no: ['q=1'] },
  URIPATH: { yes: ['/', '/products/patch-cable-2m', "/a/b;c=d/e(f)~'"], no: ['products', '/a b'] },
  URIPATHPARAM: { yes: ['/search?q=usb-c+hub', '/'], no: ['?q=1'] },
  URIPROTO: { yes: ['https', 'svn+ssh'], no: ['1http'] },
  USER: { yes: ['ada.l', 'svc_backup-2'], no: ['ada l'] },
  USERNAME: { yes: ['ada.l'], no: ['a@b'] },
  UUID: { yes: ['123e4567-e89b-12d3-a456-426614174000'], no: ['123e4567-e89b-12d3-a456'] },
  WORD: { yes: ['GET', 'snake_case'], no: ['two words', 'a-b'] },
  YEAR: { yes: ['2026', '26'], no: ['202'] },
  // Composite patterns name their own fields: see the tests below.
  COMMONAPACHELOG: { yes: [] },
  COMBINEDAPACHELOG: { yes: [] },
  HTTPD_COMMONLOG: { yes: [] },
  HTTPD_COMBINEDLOG: { yes: [] },
  SYSLOGBASE: { yes: [] },
  SYSLOGPROG: { yes: [] },
}

describe('grok pattern names', () => {
  it('has a sample for every name in GROK_PATTERN_NAMES, and every name the brief lists', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...GROK_PATTERN_NAMES])
    for (const name of [
      'IP',
      'NUMBER',
      'WORD',
      'DATA',
      'GREEDYDATA',
      'HTTPDATE',
      'TIMESTAMP_ISO8601',
      'QS',
      'URIPATHPARAM',
    ])
      expect(GROK_PATTERN_NAMES).toContain(name)
  })

  for (const [name, { yes, no = [] }] of Object.entries(SAMPLES)) {
    if (yes.length === 0) continue
    it(`${name} matches what it should, whole, and nothing else`, () => {
      const matcher = compileGrok(`^%{${name}:v}$`)
      for (const sample of yes)
        expect(matcher.parse(sample), `${name} on ${sample}`).toEqual({ ok: true, value: { v: sample } })
      for (const sample of no)
        expect(matcher.parse(sample).ok, `${name} must not match ${sample}`).toBe(false)
    })
  }

  it('COMMONAPACHELOG / HTTPD_COMMONLOG: IPv6 client, numbers converted, missing size left out', () => {
    const line = '2001:db8::1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 -'
    const expected = {
      clientip: '2001:db8::1',
      ident: '-',
      auth: 'frank',
      timestamp: '10/Oct/2000:13:55:36 -0700',
      verb: 'GET',
      request: '/apache_pb.gif',
      httpversion: '1.0',
      response: 200,
    }
    expect(parseGrok(line, '%{COMMONAPACHELOG}')).toEqual({ ok: true, value: expected })
    expect(parseGrok(line, '^%{HTTPD_COMMONLOG}$')).toEqual({ ok: true, value: expected })
  })

  it('COMBINEDAPACHELOG / HTTPD_COMBINEDLOG: quoted referrer and agent kept with their quotes, as in Logstash', () => {
    const line =
      '1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 12 "https://r.example/" "Mozilla/5.0 \\"x\\""'
    const expected = { bytes: 12, referrer: '"https://r.example/"', agent: '"Mozilla/5.0 \\"x\\""' }
    expect(parseGrok(line, '%{COMBINEDAPACHELOG}')).toMatchObject({ ok: true, value: expected })
    expect(parseGrok(line, '%{HTTPD_COMBINEDLOG}')).toMatchObject({ ok: true, value: expected })
  })

  it('SYSLOGBASE / SYSLOGPROG: program and pid, with and without a pid', () => {
    expect(
      parseGrok('Oct 11 22:14:15 mymachine su[123]: hello', '^%{SYSLOGBASE} %{GREEDYDATA:message}$'),
    ).toEqual({
      ok: true,
      value: {
        timestamp: 'Oct 11 22:14:15',
        logsource: 'mymachine',
        program: 'su',
        pid: 123,
        message: 'hello',
      },
    })
    expect(parseGrok('postfix/smtpd', '^%{SYSLOGPROG}$')).toEqual({
      ok: true,
      value: { program: 'postfix/smtpd' },
    })
  })
})

describe('parseGrok', () => {
  it('extracts named fields, converting :int and :float', () => {
    expect(
      parseGrok(
        '55.3.244.1 GET /index.html?x=1 15824 0.043',
        '%{IP:client} %{WORD:method} %{URIPATHPARAM:request} %{NUMBER:bytes:int} %{NUMBER:duration:float}',
      ),
    ).toEqual({
      ok: true,
      value: {
        client: '55.3.244.1',
        method: 'GET',
        request: '/index.html?x=1',
        bytes: 15824,
        duration: 0.043,
      },
    })
  })

  it('keeps the text when a conversion finds no number', () => {
    expect(parseGrok('n/a', '^%{NOTSPACE:v:int}$')).toEqual({ ok: true, value: { v: 'n/a' } })
  })

  it('matches anywhere, like Logstash, unless anchored', () => {
    expect(parseGrok('client 10.0.0.1 said hi', '%{IP:ip} said')).toEqual({
      ok: true,
      value: { ip: '10.0.0.1' },
    })
    expect(parseGrok('client 10.0.0.1 said hi', '^%{IP:ip} said').ok).toBe(false)
  })

  it('takes a whole IPv6 address even unanchored', () => {
    expect(parseGrok('from 2001:db8::1:2 ok', '%{IP:ip}')).toEqual({
      ok: true,
      value: { ip: '2001:db8::1:2' },
    })
  })

  it('leaves out optional fields that did not match, and takes (?<name>...) groups as fields', () => {
    const pattern = '^%{WORD:verb}(?: %{NUMBER:n:int})? (?<rest>.*)$'
    expect(parseGrok('GET tail', pattern)).toEqual({ ok: true, value: { verb: 'GET', rest: 'tail' } })
    expect(parseGrok('GET 3 tail', pattern)).toEqual({ ok: true, value: { verb: 'GET', n: 3, rest: 'tail' } })
    expect(compileGrok(pattern).fields).toEqual(['verb', 'n', 'rest'])
  })

  it('accepts field names that are not identifiers', () => {
    expect(parseGrok('200', '^%{INT:[http][status]:int}$')).toEqual({
      ok: true,
      value: { '[http][status]': 200 },
    })
    expect(parseGrok('200', '^%{INT:http.status}$')).toEqual({ ok: true, value: { 'http.status': '200' } })
  })

  it('returns a typed failure for a line that does not match', () => {
    expect(parseGrok('not an ip', '%{IP:ip}')).toEqual({
      ok: false,
      error: 'the line does not match %{IP:ip}',
    })
  })

  it('compiles a pattern once however many lines it parses', () => {
    const Native = globalThis.RegExp
    let constructed = 0
    globalThis.RegExp = new Proxy(Native, {
      construct(target, args) {
        constructed++
        return Reflect.construct(target, args)
      },
    })
    try {
      const pattern = `^%{WORD:w} %{INT:n:int} cache-test$`
      for (let i = 0; i < 50; i++) expect(parseGrok(`w${i} ${i} cache-test`, pattern).ok).toBe(true)
    } finally {
      globalThis.RegExp = Native
    }
    expect(constructed).toBe(1)
  })
})

describe('grok compile errors (thrown at compile time, naming the part)', () => {
  const error = (pattern: string) => {
    try {
      compileGrok(pattern)
    } catch (e) {
      return (e as Error).message
    }
    throw new Error(`${pattern} compiled`)
  }

  it('unknown pattern name, with its column and the known names', () => {
    expect(error('%{IP:client} %{NOPE:x}')).toMatch(
      /^grok pattern "%\{NOPE:x\}" at column 14: unknown pattern name NOPE \(known: BASE10NUM, COMBINEDAPACHELOG, .*, YEAR\)$/,
    )
    expect(() => parseGrok('x', '%{FOO}')).toThrow(/unknown pattern name FOO/)
  })

  it('unbalanced parentheses, pointing at the culprit', () => {
    expect(error('%{WORD:a} (unbalanced')).toBe('grok pattern "(unbalanced" at column 11: unbalanced (')
    expect(error('%{WORD:a} x) y')).toBe('grok pattern ") y" at column 12: unbalanced )')
  })

  it('an unclosed reference, a bad type, a malformed reference', () => {
    expect(error('%{IP:client %{WORD:w}')).toBe(
      'grok pattern "%{IP:client %{WORD:w..." at column 1: %{ is not closed by a } before the next %{ or the end',
    )
    expect(error('%{NUMBER:n:bool}')).toBe(
      'grok pattern "%{NUMBER:n:bool}" at column 1: unknown type "bool" (use int or float)',
    )
    expect(error('x %{:n}')).toBe(
      'grok pattern "%{:n}" at column 3: expected %{NAME}, %{NAME:field} or %{NAME:field:int|float}',
    )
    expect(error('%{WORD:}')).toBe('grok pattern "%{WORD:}" at column 1: empty field name')
  })

  it('any other invalid regular expression', () => {
    expect(error('%{WORD:a}[')).toMatch(/^grok pattern "%\{WORD:a\}\[" is not a valid regular expression: /)
  })
})
