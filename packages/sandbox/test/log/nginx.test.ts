import { describe, expect, expectTypeOf, it } from 'vitest'
import { NGINX_LINES } from '../../bench/_nginx-lines.ts'
import {
  type NginxCombinedFields,
  type NginxErrorFields,
  type ParseResult,
  parseNginxLog,
} from '../../src/log/index.ts'

const at = '[22/Nov/2026:10:00:00 +0000]'

describe('parseNginxLog combined', () => {
  it("gives Vector's fields for Vector's example, the request split and the ratio a number", () => {
    const line =
      '172.17.0.1 - alice [01/Apr/2021:12:02:31 +0000] "POST /not-found HTTP/1.1" 404 153 "http://localhost/somewhere" "Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/72.0.3626.119 Safari/537.36" "2.75"'
    expect(parseNginxLog(line, 'combined')).toEqual({
      ok: true,
      value: {
        client: '172.17.0.1',
        user: 'alice',
        timestamp: '2021-04-01T12:02:31+00:00',
        request: 'POST /not-found HTTP/1.1',
        method: 'POST',
        path: '/not-found',
        protocol: 'HTTP/1.1',
        status: 404,
        size: 153,
        referer: 'http://localhost/somewhere',
        agent:
          'Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/72.0.3626.119 Safari/537.36',
        compression: 2.75,
      },
    })
  })

  it('parses IPv6 clients, query strings, offsets and escaped quotes in the request and agent', () => {
    const line =
      '2001:db8::5 - - [22/Nov/2026:10:00:00 +0530] "POST /checkout?sku=42&q=\\"red\\" HTTP/2.0" 302 0 "https://shop.example/cart" "Mozilla/5.0 \\"Weird\\" Agent"'
    expect(parseNginxLog(line, 'combined')).toEqual({
      ok: true,
      value: {
        client: '2001:db8::5',
        timestamp: '2026-11-22T10:00:00+05:30',
        request: 'POST /checkout?sku=42&q="red" HTTP/2.0',
        method: 'POST',
        path: '/checkout?sku=42&q="red"',
        protocol: 'HTTP/2.0',
        status: 302,
        size: 0,
        referer: 'https://shop.example/cart',
        agent: 'Mozilla/5.0 "Weird" Agent',
      },
    })
  })

  it("keeps nginx's own \\x22 escapes as written", () => {
    const r = parseNginxLog(`1.2.3.4 - - ${at} "GET / HTTP/1.1" 200 1 "-" "say \\x22hi\\x22"`, 'combined')
    expect(r.ok && r.value.agent).toBe('say \\x22hi\\x22')
  })

  it('keeps a TLS handshake sent to the plain port as the request, unsplit', () => {
    const r = parseNginxLog(
      `192.0.2.9 - - ${at} "\\x16\\x03\\x01\\x00\\xF4\\x01" 400 157 "-" "-"`,
      'combined',
    )
    expect(r).toEqual({
      ok: true,
      value: {
        client: '192.0.2.9',
        timestamp: '2026-11-22T10:00:00+00:00',
        request: '\\x16\\x03\\x01\\x00\\xF4\\x01',
        status: 400,
        size: 157,
      },
    })
  })

  it('leaves out an empty request, an empty agent and a - referer; keeps a very long agent', () => {
    expect(parseNginxLog(`192.0.2.9 - - ${at} "" 400 0 "" ""`, 'combined')).toEqual({
      ok: true,
      value: { client: '192.0.2.9', timestamp: '2026-11-22T10:00:00+00:00', status: 400, size: 0 },
    })
    const long = `Mozilla/5.0 (X11; Linux x86_64) ${'Extension/1.0 '.repeat(700)}`
    const r = parseNginxLog(`192.0.2.9 - - ${at} "GET / HTTP/1.1" 200 1 "-" "${long}"`, 'combined')
    expect(r.ok && r.value.agent).toBe(long)
    expect(r.ok && r.value).not.toHaveProperty('referer')
  })

  it('passes a $time_iso8601 timestamp through', () => {
    const r = parseNginxLog(
      '10.0.0.1 - - [2026-11-22T10:00:00+01:00] "GET / HTTP/1.1" 200 5 "-" "curl/8.5.0"',
      'combined',
    )
    expect(r.ok && r.value.timestamp).toBe('2026-11-22T10:00:00+01:00')
  })

  it('parses every line of the benchmark set', () => {
    for (const line of NGINX_LINES) expect(parseNginxLog(line, 'combined').ok, line).toBe(true)
  })

  it('returns typed failures: a common line, an identity, a bad timestamp, noise', () => {
    const failure = { ok: false, error: 'not an nginx combined log line' }
    expect(parseNginxLog(`1.2.3.4 - - ${at} "GET / HTTP/1.1" 200 1`, 'combined')).toEqual(failure)
    expect(parseNginxLog(`1.2.3.4 ident - ${at} "GET / HTTP/1.1" 200 1 "-" "-"`, 'combined')).toEqual(failure)
    expect(parseNginxLog('', 'combined')).toEqual(failure)
    expect(
      parseNginxLog('1.2.3.4 - - [22/11/2026 10:00] "GET / HTTP/1.1" 200 1 "-" "-"', 'combined'),
    ).toEqual({
      ok: false,
      error: 'timestamp "22/11/2026 10:00" is not dd/Mon/yyyy:HH:MM:SS ±hhmm',
    })
  })
})

describe('parseNginxLog error', () => {
  it("parses Vector's example", () => {
    const line =
      '2021/04/01 13:02:31 [error] 31#31: *1 open() "/usr/share/nginx/html/not-found" failed (2: No such file or directory), client: 172.17.0.1, server: localhost, request: "POST /not-found HTTP/1.1", host: "localhost:8081"'
    expect(parseNginxLog(line, 'error')).toEqual({
      ok: true,
      value: {
        timestamp: '2021-04-01T13:02:31',
        severity: 'error',
        pid: 31,
        tid: 31,
        cid: 1,
        message: 'open() "/usr/share/nginx/html/not-found" failed (2: No such file or directory)',
        client: '172.17.0.1',
        server: 'localhost',
        request: 'POST /not-found HTTP/1.1',
        host: 'localhost:8081',
      },
    })
  })

  it('parses an upstream error with every context field and an IPv6 client', () => {
    const line =
      '2026/11/22 10:00:00 [error] 1234#5678: *910 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 2001:db8::9, server: shop.example, request: "GET /api/cart HTTP/1.1", subrequest: "/auth", upstream: "http://127.0.0.1:8080/api/cart", host: "shop.example", referrer: "https://shop.example/"'
    expect(parseNginxLog(line, 'error')).toEqual({
      ok: true,
      value: {
        timestamp: '2026-11-22T10:00:00',
        severity: 'error',
        pid: 1234,
        tid: 5678,
        cid: 910,
        message: 'upstream timed out (110: Connection timed out) while reading response header from upstream',
        client: '2001:db8::9',
        server: 'shop.example',
        request: 'GET /api/cart HTTP/1.1',
        subrequest: '/auth',
        upstream: 'http://127.0.0.1:8080/api/cart',
        host: 'shop.example',
        referer: 'https://shop.example/',
      },
    })
  })

  it('parses limit_req rejections: excess and zone', () => {
    const line =
      '2026/11/22 10:00:00 [error] 7#7: *5 limiting requests, excess: 0.960 by zone "one", client: 192.0.2.1, server: _, request: "GET / HTTP/1.1", host: "shop.example"'
    expect(parseNginxLog(line, 'error')).toMatchObject({
      ok: true,
      value: { message: 'limiting requests', excess: 0.96, zone: 'one', client: '192.0.2.1', server: '_' },
    })
  })

  it('parses a line without a connection id or context', () => {
    expect(parseNginxLog('2026/11/22 10:00:00 [notice] 1#1: signal process started', 'error')).toEqual({
      ok: true,
      value: {
        timestamp: '2026-11-22T10:00:00',
        severity: 'notice',
        pid: 1,
        tid: 1,
        message: 'signal process started',
      },
    })
  })

  it('returns typed failures, for an unknown format too', () => {
    expect(parseNginxLog('nope', 'error')).toEqual({ ok: false, error: 'not an nginx error log line' })
    expect(parseNginxLog(NGINX_LINES[0]!, 'error').ok).toBe(false)
    expect(parseNginxLog('x', 'main' as never)).toEqual({
      ok: false,
      error: 'unknown nginx log format "main" (use combined or error)',
    })
  })

  it('types each format', () => {
    expectTypeOf(parseNginxLog('', 'combined')).toEqualTypeOf<ParseResult<NginxCombinedFields>>()
    expectTypeOf(parseNginxLog('', 'error')).toEqualTypeOf<ParseResult<NginxErrorFields>>()
  })
})
