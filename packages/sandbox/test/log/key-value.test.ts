import { describe, expect, it } from 'vitest'
import { parseJsonLine, parseKeyValue, parseLogfmt } from '../../src/log/index.ts'

describe('parseLogfmt', () => {
  it('parses quoted values with escapes, standalone keys and empty values', () => {
    expect(
      parseLogfmt('level=info msg="user \\"ada\\" signed in\\nagain" cached dur=12ms user= path="C:\\\\tmp"'),
    ).toEqual({
      ok: true,
      value: {
        level: 'info',
        msg: 'user "ada" signed in\nagain',
        cached: true,
        dur: '12ms',
        user: '',
        path: 'C:\\tmp',
      },
    })
  })

  it("parses Vector's logfmt example: symbols in keys, quoted timestamps", () => {
    expect(
      parseLogfmt(
        '@timestamp="Sun Jan 10 16:47:39 EST 2021" level=info msg="Stopping all fetchers" tag#production=stopping_fetchers id=ConsumerFetcherManager-1382721708341',
      ),
    ).toEqual({
      ok: true,
      value: {
        '@timestamp': 'Sun Jan 10 16:47:39 EST 2021',
        level: 'info',
        msg: 'Stopping all fetchers',
        'tag#production': 'stopping_fetchers',
        id: 'ConsumerFetcherManager-1382721708341',
      },
    })
  })

  it('accepts tabs and runs of spaces between pairs, and quoted keys', () => {
    expect(parseLogfmt('  a=1\t\tb=2   "odd key"=3  ')).toEqual({
      ok: true,
      value: { a: '1', b: '2', 'odd key': '3' },
    })
  })

  it('returns typed failures: an unterminated quote, an empty line, a missing key, junk after a quote', () => {
    expect(parseLogfmt('a="unterminated')).toEqual({ ok: false, error: 'unterminated quote at column 3' })
    expect(parseLogfmt('   ')).toEqual({ ok: false, error: 'no key=value pairs' })
    expect(parseLogfmt('=1')).toEqual({ ok: false, error: 'expected a key at column 1' })
    expect(parseLogfmt('a="x"y')).toEqual({ ok: false, error: 'expected a space at column 6' })
  })
})

describe('parseKeyValue', () => {
  it('takes custom delimiters, trimming around them (Vector example)', () => {
    expect(
      parseKeyValue(
        'path:"/cart_link", host:store.app.com, fwd: "102.30.171.16", dyno: web.1, connect:0ms, service:87ms, status:304, bytes:632, protocol:https',
        { fieldDelimiter: ',', keyValueDelimiter: ':' },
      ),
    ).toEqual({
      ok: true,
      value: {
        path: '/cart_link',
        host: 'store.app.com',
        fwd: '102.30.171.16',
        dyno: 'web.1',
        connect: '0ms',
        service: '87ms',
        status: '304',
        bytes: '632',
        protocol: 'https',
      },
    })
  })

  it('keeps spaces inside values when the field delimiter is not a space, and takes multi-character delimiters', () => {
    expect(parseKeyValue('a:1|b:two words |c', { fieldDelimiter: '|', keyValueDelimiter: ':' })).toEqual({
      ok: true,
      value: { a: '1', b: 'two words', c: true },
    })
    expect(parseKeyValue('a=>1 && b=>2', { fieldDelimiter: '&&', keyValueDelimiter: '=>' })).toEqual({
      ok: true,
      value: { a: '1', b: '2' },
    })
  })

  it('collects repeated keys in an array; a standalone repeat does not override a value', () => {
    expect(
      parseKeyValue('at=info,tags=dev,tags=dummy,tags=x,beta,beta=yes,at', { fieldDelimiter: ',' }),
    ).toEqual({
      ok: true,
      value: { at: 'info', tags: ['dev', 'dummy', 'x'], beta: 'yes' },
    })
  })

  it('is lenient about spaces around = by default, strict on request', () => {
    expect(parseKeyValue('a = 1 b= 2')).toEqual({ ok: true, value: { a: '1', b: '2' } })
    expect(parseKeyValue('app=my-app user= msg=hi')).toEqual({
      ok: true,
      value: { app: 'my-app', user: 'msg=hi' },
    })
    expect(parseKeyValue('app=my-app user= msg=hi', { whitespace: 'strict' })).toEqual({
      ok: true,
      value: { app: 'my-app', user: '', msg: 'hi' },
    })
  })

  it('fails a standalone key when standalone keys are off, so plain text is not key=value', () => {
    expect(parseKeyValue('a=1 flag', { acceptStandaloneKey: false })).toEqual({
      ok: false,
      error: 'key "flag" has no = and standalone keys are off',
    })
    expect(parseKeyValue('hello world', { acceptStandaloneKey: false }).ok).toBe(false)
    expect(parseKeyValue('hello world')).toEqual({ ok: true, value: { hello: true, world: true } })
  })

  it('runs an unquoted value to the next delimiter; fails junk after a quoted value and empty delimiters', () => {
    expect(parseKeyValue('a=1, b=2 ; c=3', { fieldDelimiter: ',' })).toEqual({
      ok: true,
      value: { a: '1', b: '2 ; c=3' },
    })
    expect(parseKeyValue('a="1" x, b=2', { fieldDelimiter: ',' })).toEqual({
      ok: false,
      error: 'expected "," at column 7',
    })
    expect(parseKeyValue('a=1', { keyValueDelimiter: '' })).toEqual({
      ok: false,
      error: 'fieldDelimiter and keyValueDelimiter must not be empty',
    })
  })
})

describe('parseJsonLine', () => {
  it('parses an object, nested values kept, a BOM ignored', () => {
    expect(parseJsonLine('{"level":"warn","n":1,"ctx":{"ids":[1,2]}}')).toEqual({
      ok: true,
      value: { level: 'warn', n: 1, ctx: { ids: [1, 2] } },
    })
    expect(parseJsonLine('\uFEFF {"a":true} ')).toEqual({ ok: true, value: { a: true } })
  })

  it('fails anything but an object, without throwing', () => {
    expect(parseJsonLine('[1,2]')).toEqual({
      ok: false,
      error: 'the line is JSON but not an object (an array)',
    })
    expect(parseJsonLine('null')).toEqual({ ok: false, error: 'the line is JSON but not an object (null)' })
    expect(parseJsonLine('42')).toEqual({ ok: false, error: 'the line is JSON but not an object (a number)' })
    expect(parseJsonLine('"text"')).toEqual({
      ok: false,
      error: 'the line is JSON but not an object (a string)',
    })
    expect(parseJsonLine('{oops')).toMatchObject({ ok: false, error: expect.stringMatching(/^not JSON: /) })
    expect(parseJsonLine('')).toMatchObject({ ok: false, error: expect.stringMatching(/^not JSON: /) })
  })
})
