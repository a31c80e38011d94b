import { describe, expect, it } from 'vitest'
import { parseApacheLog, parseCommonLog, parseNginxLog } from '../../src/log/index.ts'

describe('parseCommonLog / parseApacheLog common', () => {
  it('parses the CLF example, with numbers as numbers and the offset kept', () => {
    const line = '127.0.0.1 bob frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326'
    const expected = {
      host: '127.0.0.1',
      identity: 'bob',
      user: 'frank',
      timestamp: '2000-10-10T13:55:36-07:00',
      message: 'GET /apache_pb.gif HTTP/1.0',
      method: 'GET',
      path: '/apache_pb.gif',
      protocol: 'HTTP/1.0',
      status: 200,
      size: 2326,
    }
    expect(parseCommonLog(line)).toEqual({ ok: true, value: expected })
    expect(parseApacheLog(line, 'common')).toEqual({ ok: true, value: expected })
  })

  it('treats - as absent (identity, user, size)', () => {
    const r = parseCommonLog('10.0.0.1 - - [22/Nov/2026:10:00:00 +0000] "HEAD / HTTP/1.1" 304 -')
    expect(r).toEqual({
      ok: true,
      value: {
        host: '10.0.0.1',
        timestamp: '2026-11-22T10:00:00+00:00',
        message: 'HEAD / HTTP/1.1',
        method: 'HEAD',
        path: '/',
        protocol: 'HTTP/1.1',
        status: 304,
      },
    })
  })

  it('returns a typed failure for a line that does not match', () => {
    expect(parseCommonLog('hello world')).toEqual({ ok: false, error: 'not a Common Log Format line' })
  })
})

describe('parseNginxLog combined', () => {
  it('parses IPv6 clients, queries, referrers and user agents with escaped quotes', () => {
    const line =
      '2001:db8::5 - alice [22/Nov/2026:10:00:00 +0530] "POST /checkout?sku=42&qty=2 HTTP/2.0" 302 0 "https://shop.example/cart" "Mozilla/5.0 \\"Weird\\" Agent"'
    expect(parseNginxLog(line, 'combined')).toEqual({
      ok: true,
      value: {
        host: '2001:db8::5',
        user: 'alice',
        timestamp: '2026-11-22T10:00:00+05:30',
        message: 'POST /checkout?sku=42&qty=2 HTTP/2.0',
        method: 'POST',
        path: '/checkout?sku=42&qty=2',
        protocol: 'HTTP/2.0',
        status: 302,
        size: 0,
        referrer: 'https://shop.example/cart',
        agent: 'Mozilla/5.0 "Weird" Agent',
      },
    })
  })

  it('keeps a garbage request line as the message, without method and path', () => {
    const r = parseNginxLog(
      '1.2.3.4 - - [22/Nov/2026:10:00:00 +0000] "\\x16\\x03\\x01" 400 157 "-" "-"',
      'combined',
    )
    expect(r).toMatchObject({ ok: true, value: { message: '\\x16\\x03\\x01', status: 400, size: 157 } })
    if (r.ok) {
      expect(r.value).not.toHaveProperty('method')
      expect(r.value).not.toHaveProperty('referrer')
      expect(r.value).not.toHaveProperty('agent')
    }
  })

  it('accepts an empty user agent and a very long one', () => {
    const long = `Mozilla/5.0 ${'x'.repeat(5000)}`
    const r = parseNginxLog(
      `1.2.3.4 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "${long}"`,
      'combined',
    )
    expect(r.ok && r.value.agent).toBe(long)
    const empty = parseNginxLog(
      '1.2.3.4 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" ""',
      'combined',
    )
    expect(empty.ok && 'agent' in empty.value).toBe(false)
  })

  it('fails a common line (no referrer and agent) as not combined', () => {
    expect(
      parseNginxLog('1.2.3.4 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1', 'combined').ok,
    ).toBe(false)
  })
})

describe('error logs', () => {
  it('parses nginx error lines with their context fields', () => {
    const line =
      '2019/02/28 12:08:44 [error] 1234#5678: *910 open() "/usr/share/nginx/html/favicon.ico" failed (2: No such file or directory), client: 1.2.3.4, server: localhost, request: "GET /favicon.ico HTTP/1.1", upstream: "http://127.0.0.1:8080/favicon.ico", host: "localhost", referrer: "http://localhost/"'
    expect(parseNginxLog(line, 'error')).toEqual({
      ok: true,
      value: {
        timestamp: '2019-02-28T12:08:44',
        severity: 'error',
        pid: 1234,
        tid: 5678,
        cid: 910,
        message: 'open() "/usr/share/nginx/html/favicon.ico" failed (2: No such file or directory)',
        client: '1.2.3.4',
        server: 'localhost',
        request: 'GET /favicon.ico HTTP/1.1',
        upstream: 'http://127.0.0.1:8080/favicon.ico',
        host: 'localhost',
        referrer: 'http://localhost/',
      },
    })
  })

  it('parses an nginx error without a connection id or context', () => {
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

  it('parses Apache 2.4 and 2.2 error lines', () => {
    expect(
      parseApacheLog(
        '[Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187:5000] File does not exist: /usr/local/apache2/htdocs/favicon.ico',
        'error',
      ),
    ).toEqual({
      ok: true,
      value: {
        timestamp: '2011-09-09T10:42:29.902022',
        module: 'core',
        severity: 'error',
        pid: 35708,
        thread: '4328636416',
        client: '72.15.99.187',
        port: 5000,
        message: 'File does not exist: /usr/local/apache2/htdocs/favicon.ico',
      },
    })
    expect(
      parseApacheLog(
        '[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied by server configuration',
        'error',
      ),
    ).toEqual({
      ok: true,
      value: {
        timestamp: '2000-10-11T14:32:52',
        severity: 'error',
        client: '127.0.0.1',
        message: 'client denied by server configuration',
      },
    })
  })

  it('returns typed failures', () => {
    expect(parseNginxLog('nope', 'error')).toEqual({ ok: false, error: 'not an nginx error log line' })
    expect(parseApacheLog('nope', 'error')).toEqual({ ok: false, error: 'not an Apache error log line' })
    expect(parseNginxLog('x', 'bogus' as never)).toEqual({
      ok: false,
      error: 'unknown nginx log format "bogus" (use combined or error)',
    })
  })
})
