import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  type ApacheErrorFields,
  type CombinedLogFields,
  type CommonLogFields,
  type ParseResult,
  parseApacheLog,
  parseCombinedLog,
  parseCommonLog,
} from '../../src/log/index.ts'

const CLF = '127.0.0.1 bob frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326'

describe('parseCommonLog / parseApacheLog common', () => {
  it('parses the CLF example: numbers as numbers, the offset kept', () => {
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
    expect(parseCommonLog(CLF)).toEqual({ ok: true, value: expected })
    expect(parseApacheLog(CLF, 'common')).toEqual({ ok: true, value: expected })
  })

  it('leaves out what is - (identity, user, size) and keeps an IPv6 client', () => {
    expect(
      parseCommonLog('2001:db8:85a3::8a2e:370:7334 - - [22/Nov/2026:10:00:00 +0000] "HEAD / HTTP/1.1" 304 -'),
    ).toEqual({
      ok: true,
      value: {
        host: '2001:db8:85a3::8a2e:370:7334',
        timestamp: '2026-11-22T10:00:00+00:00',
        message: 'HEAD / HTTP/1.1',
        method: 'HEAD',
        path: '/',
        protocol: 'HTTP/1.1',
        status: 304,
      },
    })
  })

  it('unescapes \\" inside the request and keeps the request parts', () => {
    const r = parseCommonLog(
      '198.51.100.4 - - [22/Nov/2026:10:00:00 +0100] "GET /search?q=\\"usb hub\\" HTTP/1.1" 200 512',
    )
    // The quoted query holds a space, so the line is kept whole and not split.
    expect(r).toEqual({
      ok: true,
      value: {
        host: '198.51.100.4',
        timestamp: '2026-11-22T10:00:00+01:00',
        message: 'GET /search?q="usb hub" HTTP/1.1',
        status: 200,
        size: 512,
      },
    })
  })

  it('leaves out a request Apache logged as "-" (a 408 timeout) and an empty one', () => {
    for (const request of ['"-"', '""'])
      expect(parseCommonLog(`192.0.2.1 - - [22/Nov/2026:10:00:00 +0000] ${request} 408 -`)).toEqual({
        ok: true,
        value: { host: '192.0.2.1', timestamp: '2026-11-22T10:00:00+00:00', status: 408 },
      })
  })

  it('keeps an HTTP/0.9 request without a protocol', () => {
    expect(parseCommonLog('192.0.2.1 - - [22/Nov/2026:10:00:00 +0000] "GET /" 200 10')).toMatchObject({
      ok: true,
      value: { method: 'GET', path: '/' },
    })
  })

  it('returns typed failures: another format, a bad timestamp', () => {
    expect(parseCommonLog('hello world')).toEqual({ ok: false, error: 'not a Common Log Format line' })
    expect(parseCommonLog('1.2.3.4 - - [yesterday] "GET / HTTP/1.1" 200 1')).toEqual({
      ok: false,
      error: 'timestamp "yesterday" is not dd/Mon/yyyy:HH:MM:SS ±hhmm',
    })
    expect(parseCommonLog('1.2.3.4 - - [10/Foo/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 1').ok).toBe(false)
  })
})

describe('parseApacheLog combined / parseCombinedLog', () => {
  it('adds referrer and agent, unescaping \\" in both', () => {
    const line =
      '203.0.113.9 - alice [22/Nov/2026:10:00:00 -0500] "GET /p?ref=\\"x\\" HTTP/1.1" 200 10 "https://shop.example/?q=\\"a\\"" "Mozilla/5.0 \\"compatible\\" Bot/1.0"'
    expect(parseApacheLog(line, 'combined')).toEqual({
      ok: true,
      value: {
        host: '203.0.113.9',
        user: 'alice',
        timestamp: '2026-11-22T10:00:00-05:00',
        message: 'GET /p?ref="x" HTTP/1.1',
        method: 'GET',
        path: '/p?ref="x"',
        protocol: 'HTTP/1.1',
        status: 200,
        size: 10,
        referrer: 'https://shop.example/?q="a"',
        agent: 'Mozilla/5.0 "compatible" Bot/1.0',
      },
    })
  })

  it('leaves out an empty or - referrer and agent; keeps a very long agent', () => {
    const head = '10.0.0.1 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1'
    const r = parseCombinedLog(`${head} "-" ""`)
    expect(r.ok && r.value).not.toHaveProperty('referrer')
    expect(r.ok && r.value).not.toHaveProperty('agent')
    expect(parseCombinedLog(`${head} - -`).ok).toBe(true)
    const long = `Mozilla/5.0 ${'(KHTML, like Gecko) '.repeat(400)}`
    const l = parseCombinedLog(`${head} "-" "${long}"`)
    expect(l.ok && l.value.agent).toBe(long)
  })

  it('fails a common line (no referrer and agent) as not combined', () => {
    expect(parseApacheLog(CLF, 'combined')).toEqual({ ok: false, error: 'not a Combined Log Format line' })
  })
})

describe('parseApacheLog error', () => {
  it('parses a 2.4 line: module, pid, thread, client and port', () => {
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
  })

  it('keeps an APR error prefix in the message and splits an IPv6 client from its port', () => {
    expect(
      parseApacheLog(
        '[Thu Jun 27 11:55:44.569531 2019] [proxy_fcgi:error] [pid 9:tid 140150308018944] (70007)The timeout specified has expired: [client 2001:db8::7:54321] AH01075: Error dispatching request to :',
        'error',
      ),
    ).toEqual({
      ok: true,
      value: {
        timestamp: '2019-06-27T11:55:44.569531',
        module: 'proxy_fcgi',
        severity: 'error',
        pid: 9,
        thread: '140150308018944',
        client: '2001:db8::7',
        port: 54321,
        message: '(70007)The timeout specified has expired: AH01075: Error dispatching request to :',
      },
    })
  })

  it('reads mod_php lines with an empty module and lines without a client', () => {
    expect(
      parseApacheLog(
        '[Sat Nov 22 10:00:00.123456 2026] [:error] [pid 12] [client 192.0.2.7:41888] PHP Warning:  Undefined variable $x in /var/www/index.php on line 3',
        'error',
      ),
    ).toEqual({
      ok: true,
      value: {
        timestamp: '2026-11-22T10:00:00.123456',
        severity: 'error',
        pid: 12,
        client: '192.0.2.7',
        port: 41888,
        message: 'PHP Warning:  Undefined variable $x in /var/www/index.php on line 3',
      },
    })
    expect(
      parseApacheLog(
        '[Sat Nov 22 10:00:00.000001 2026] [mpm_event:notice] [pid 1:tid 140] AH00489: Apache/2.4.62 (Unix) configured -- resuming normal operations',
        'error',
      ),
    ).toEqual({
      ok: true,
      value: {
        timestamp: '2026-11-22T10:00:00.000001',
        module: 'mpm_event',
        severity: 'notice',
        pid: 1,
        thread: '140',
        message: 'AH00489: Apache/2.4.62 (Unix) configured -- resuming normal operations',
      },
    })
  })

  it('parses 2.2 lines, with and without a client, and a space-padded day', () => {
    expect(
      parseApacheLog(
        '[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied by server configuration: /export/home/live/ap/htdocs/test',
        'error',
      ),
    ).toEqual({
      ok: true,
      value: {
        timestamp: '2000-10-11T14:32:52',
        severity: 'error',
        client: '127.0.0.1',
        message: 'client denied by server configuration: /export/home/live/ap/htdocs/test',
      },
    })
    // 2.2 logs no port: an IPv6 address stays whole.
    expect(
      parseApacheLog('[Wed Oct 11 14:32:52 2000] [error] [client 2001:db8::1] denied', 'error'),
    ).toMatchObject({
      ok: true,
      value: { client: '2001:db8::1', message: 'denied' },
    })
    expect(
      parseApacheLog('[Sun Mar  7 16:02:00 2004] [notice] Apache/1.3.29 (Unix) configured', 'error'),
    ).toEqual({
      ok: true,
      value: {
        timestamp: '2004-03-07T16:02:00',
        severity: 'notice',
        message: 'Apache/1.3.29 (Unix) configured',
      },
    })
  })

  it('returns typed failures, for an unknown format too', () => {
    expect(parseApacheLog(CLF, 'error')).toEqual({ ok: false, error: 'not an Apache error log line' })
    expect(parseApacheLog('[Fri Foo 09 10:42:29 2011] [error] x', 'error').ok).toBe(false)
    expect(parseApacheLog(CLF, 'vhost' as never)).toEqual({
      ok: false,
      error: 'unknown Apache log format "vhost" (use common, combined or error)',
    })
  })
  it('types each format', () => {
    expectTypeOf(parseApacheLog('', 'common')).toEqualTypeOf<ParseResult<CommonLogFields>>()
    expectTypeOf(parseApacheLog('', 'combined')).toEqualTypeOf<ParseResult<CombinedLogFields>>()
    expectTypeOf(parseApacheLog('', 'error')).toEqualTypeOf<ParseResult<ApacheErrorFields>>()
  })
})
