import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { compileGrok, GROK_PATTERN_NAMES, parseGrok } from '../../src/log/index.ts'

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

  it('runs the composite Apache patterns, IPv6 and missing sizes included', () => {
    expect(
      parseGrok('2001:db8::1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 -', '%{COMMONAPACHELOG}'),
    ).toEqual({
      ok: true,
      value: {
        clientip: '2001:db8::1',
        ident: '-',
        auth: '-',
        timestamp: '10/Oct/2000:13:55:36 -0700',
        verb: 'GET',
        request: '/',
        httpversion: '1.0',
        response: 200,
      },
    })
    const combined = parseGrok(
      '1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 12 "https://r.example/" "curl/8"',
      '%{COMBINEDAPACHELOG}',
    )
    expect(combined).toMatchObject({
      ok: true,
      value: { bytes: 12, referrer: '"https://r.example/"', agent: '"curl/8"' },
    })
  })

  it.each([
    [
      '%{TIMESTAMP_ISO8601:t} %{LOGLEVEL:l} %{GREEDYDATA:m}',
      '2026-11-22T10:00:00.123+01:00 WARN disk at 91%',
      { t: '2026-11-22T10:00:00.123+01:00', l: 'WARN', m: 'disk at 91%' },
    ],
    [
      '%{SYSLOGTIMESTAMP:t} %{HOSTNAME:h} %{DATA:app}: %{GREEDYDATA:m}',
      'Nov  2 03:04:05 web-01.example.com cron: ok',
      { t: 'Nov  2 03:04:05', h: 'web-01.example.com', app: 'cron', m: 'ok' },
    ],
    [
      '%{UUID:id} %{QS:q} %{USERNAME:u}',
      '123e4567-e89b-12d3-a456-426614174000 "a \\"b\\"" ada.l',
      { id: '123e4567-e89b-12d3-a456-426614174000', q: '"a \\"b\\""', u: 'ada.l' },
    ],
    ['%{URI:u}', 'https://user@shop.example:8443/a/b?c=d', { u: 'https://user@shop.example:8443/a/b?c=d' }],
    [
      '%{IPV4:a} %{IPORHOST:b} %{POSINT:c:int} %{INT:d:int} %{BASE10NUM:e:float}',
      '10.0.0.1 example.org 8080 -3 2.5',
      { a: '10.0.0.1', b: 'example.org', c: 8080, d: -3, e: 2.5 },
    ],
    [
      '%{DATE:d} %{TIME:t} %{YEAR:y} %{MONTH:mo} %{MONTHDAY:md} %{HOUR:h}:%{MINUTE:mi}:%{SECOND:s}',
      '11/22/2026 10:00:01 2026 Nov 22 10:00:01',
      { d: '11/22/2026', t: '10:00:01', y: '2026', mo: 'Nov', md: '22', h: '10', mi: '00', s: '01' },
    ],
    [
      '%{NOTSPACE:a}%{SPACE}%{WORD:b} %{HTTPDATE:c}',
      'x=1   y 10/Oct/2000:13:55:36 -0700',
      { a: 'x=1', b: 'y', c: '10/Oct/2000:13:55:36 -0700' },
    ],
  ])('%s', (pattern, line, value) => {
    expect(parseGrok(line, pattern)).toEqual({ ok: true, value })
  })

  it('returns a typed failure for a line that does not match', () => {
    expect(parseGrok('not an ip', '%{IP:ip}')).toEqual({
      ok: false,
      error: 'the line does not match %{IP:ip}',
    })
  })

  it('names the part of a pattern that cannot compile, at compile time', () => {
    expect(() => compileGrok('%{IP:client} %{NOPE:x}')).toThrow(
      /^grok pattern "%\{NOPE:x\}" at column 14: unknown pattern name NOPE \(known: /,
    )
    expect(() => compileGrok('%{WORD:a} (unbalanced')).toThrow(/is not a valid regular expression/)
  })

  it('compiles each pattern once', () => {
    const m = compileGrok('%{WORD:w}')
    expect(m.regex).toBeInstanceOf(RegExp)
    expect(GROK_PATTERN_NAMES).toContain('COMBINEDAPACHELOG')
  })
})

describe('the log library', () => {
  it('imports nothing outside src/log and no Node built-ins, so it can run inside the sandbox', () => {
    const dir = new URL('../../src/log/', import.meta.url)
    for (const file of readdirSync(dir)) {
      const text = readFileSync(new URL(file, dir), 'utf8')
      for (const [, spec] of text.matchAll(/from '([^']+)'/g))
        expect(spec, `${file} imports ${spec}`).toMatch(/^\.\/[\w-]+\.ts$/)
    }
  })
})
