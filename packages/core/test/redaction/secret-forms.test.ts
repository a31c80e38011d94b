import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import {
  createRedactor,
  createSecretMatcher,
  MIN_SECRET_LENGTH,
  REDACTED,
  Secret,
  secretForms,
  shortSecretWarnings,
} from '../../src/index.ts'

// Each case is a way a secret leaves a process that the redactor before issue 13 (raw,
// unpadded base64 of the secret alone, encodeURIComponent) did not see.
const SECRET = `s3 "cr\\et'~!()*+/=ü`
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64')
const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url')

describe('secretForms', () => {
  it('lists each form once, with the exact URLSearchParams spelling', () => {
    const forms = secretForms(SECRET)
    const byName = (name: string) => forms.filter((f) => f.form === name).map((f) => f.text)
    expect(byName('raw')).toEqual([SECRET])
    expect(byName('json')).toEqual([String.raw`s3 \"cr\\et'~!()*+/=ü`])
    expect(byName('json-ascii')).toEqual([String.raw`s3 \"cr\\et'~!()*+/=\u00fc`])
    expect(byName('uri-component')).toEqual(["s3%20%22cr%5Cet'~!()*%2B%2F%3D%C3%BC"])
    // URLSearchParams: + for space, and ~ ! ' ( ) escaped; * is left alone.
    expect(byName('form-urlencoded')).toEqual(['s3+%22cr%5Cet%27%7E%21%28%29*%2B%2F%3D%C3%BC'])
    expect(byName('hex')).toEqual([Buffer.from(SECRET).toString('hex')])
    expect(byName('hex-upper')).toEqual([Buffer.from(SECRET).toString('hex').toUpperCase()])
    expect(byName('base64')).toHaveLength(3) // one per byte alignment
    expect(new Set(forms.map((f) => f.text)).size).toBe(forms.length)
  })

  it(`has no forms for a secret shorter than ${MIN_SECRET_LENGTH} characters, and says so at load`, () => {
    expect(secretForms('abc')).toEqual([])
    expect(secretForms('abcd').length).toBeGreaterThan(0)
    const schema = Type.Object({ token: Secret(Type.String()), name: Type.String() })
    expect(shortSecretWarnings(schema, { token: 'abc', name: 'x' }, 'destinations.crm')).toEqual([
      'destinations.crm: the secret at /token is shorter than 4 characters, so it is not redacted from logs, errors or records (every 3-character match would be blanked). Use a longer secret.',
    ])
    expect(shortSecretWarnings(schema, { token: 'abcd', name: 'x' }, 'destinations.crm')).toEqual([])
  })

  it('does not throw on a lone surrogate (it cannot be percent-encoded, so it cannot leak that way)', () => {
    const forms = secretForms('ab\ud800cd')
    expect(forms.map((f) => f.form)).not.toContain('uri-component')
    expect(forms.map((f) => f.form)).toContain('raw')
  })
})

describe('createRedactor: every form', () => {
  const redactor = createRedactor([SECRET])
  const gone = (text: string) => {
    const out = redactor.string(text)
    expect(out).toContain(REDACTED)
    expect(createSecretMatcher([SECRET]).find(out)).toBeUndefined()
    return out
  }

  it('a secret in a query string built by URLSearchParams', () => {
    const url = new URL('https://api.example/v1/track')
    url.searchParams.set('api_key', SECRET)
    expect(gone(url.href)).toBe(`https://api.example/v1/track?api_key=${REDACTED}`)
  })

  it('percent escapes in either letter case', () => {
    const lower = encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())
    expect(gone(`?k=${lower}&x=1`)).toBe(`?k=${REDACTED}&x=1`)
  })

  it('a secret with quotes and backslashes inside a JSON body, and inside JSON inside JSON', () => {
    const body = JSON.stringify({ auth: SECRET, n: 1 })
    expect(gone(body)).toBe(`{"auth":"${REDACTED}","n":1}`)
    expect(gone(JSON.stringify({ echoed: body }))).toBe(
      JSON.stringify({ echoed: `{"auth":"${REDACTED}","n":1}` }),
    )
    expect(gone(String.raw`{"auth":"s3 \"cr\\et'~!()*+/=\u00fc"}`)).toBe(`{"auth":"${REDACTED}"}`)
  })

  it('Basic base64(secret + ":"), base64(":" + secret) and base64(user + ":" + secret) for any user', () => {
    expect(gone(`Authorization: Basic ${b64(`${SECRET}:`)}`)).toBe(`Authorization: Basic ${REDACTED}`)
    expect(gone(`Basic ${b64(`:${SECRET}`)}.`)).toBe(`Basic ${REDACTED}.`)
    for (const user of ['a', 'ab', 'abc', 'ada.lovelace', 'ü']) {
      expect(gone(`failed: Basic ${b64(`${user}:${SECRET}`)} refused`)).toBe(
        `failed: Basic ${REDACTED} refused`,
      )
      expect(gone(`token=${b64url(`${user}:${SECRET}`)}&x`)).toBe(`token=${REDACTED}&x`)
    }
  })

  it('base64 alone, padded or not, and percent-encoded in a query', () => {
    expect(gone(`"${b64(SECRET)}"`)).toBe(`"${REDACTED}"`)
    expect(gone(b64(SECRET).replace(/=+$/, ''))).toBe(REDACTED)
    expect(gone(`?t=${encodeURIComponent(b64(`u:${SECRET}`))}`)).toContain(`?t=`)
  })

  it('hex, lower and upper case', () => {
    const hex = Buffer.from(SECRET).toString('hex')
    expect(gone(`key=${hex};`)).toBe(`key=${REDACTED};`)
    expect(gone(`key=${hex.toUpperCase()};`)).toBe(`key=${REDACTED};`)
  })

  it('leaves text without the secret alone, base64 blobs included', () => {
    const text = `Basic ${b64('user:other-password')} ${Buffer.from('x'.repeat(300)).toString('base64')}`
    expect(redactor.string(text)).toBe(text)
  })

  it('blanks credential headers by name, whatever their value', () => {
    expect(
      redactor.headers({
        Authorization: 'Basic dXNlcjpvdGhlcg==',
        'X-Access-Token': 'abc',
        'x-client-secret': 'abc',
        'content-type': `text/plain; ${SECRET}`,
      }),
    ).toEqual({
      Authorization: REDACTED,
      'X-Access-Token': REDACTED,
      'x-client-secret': REDACTED,
      'content-type': `text/plain; ${REDACTED}`,
    })
  })

  it('scrubs an error, its causes and an AggregateError in place', () => {
    const inner = new Error(`inner Basic ${b64(`${SECRET}:`)}`)
    const outer = new Error(`outer ${JSON.stringify(SECRET)}`, { cause: inner })
    const all = new AggregateError([new Error(`hex ${Buffer.from(SECRET).toString('hex')}`)], SECRET)
    expect(redactor.error(outer)).toBe(outer)
    expect(outer.message).toBe(`outer "${REDACTED}"`)
    expect(inner.message).toBe(`inner Basic ${REDACTED}`)
    expect(outer.stack).not.toContain(SECRET)
    redactor.error(all)
    expect(all.message).toBe(REDACTED)
    expect((all.errors[0] as Error).message).toBe(`hex ${REDACTED}`)
  })

  it('value(): every string and key of a deep copy, errors included', () => {
    const input = { [SECRET]: [{ deep: `x${SECRET}y` }], error: new Error('e', { cause: SECRET }) }
    const out = redactor.value(input)
    expect(JSON.stringify(out)).not.toContain('cr\\\\et')
    expect(out).toEqual({
      [REDACTED]: [{ deep: `x${REDACTED}y` }],
      error: { name: 'Error', message: 'e', cause: REDACTED },
    })
    expect(input[SECRET]![0]!.deep).toBe(`x${SECRET}y`) // the input is not touched
  })
})

describe('createSecretMatcher', () => {
  it('names the secret and the form it found', () => {
    const matcher = createSecretMatcher(['short', 'pbsecret0xQ7Q7Q7Q7Q7Q7'])
    expect(matcher.find(`Basic ${b64('pbsecret0xQ7Q7Q7Q7Q7Q7:')}`)).toMatchObject({
      secret: 'pbsecret0xQ7Q7Q7Q7Q7Q7',
      form: 'base64',
    })
    expect(matcher.find(Buffer.from('short').toString('hex'))).toMatchObject({ form: 'hex' })
    expect(matcher.find('nothing here')).toBeUndefined()
  })
})

describe('the cases the redactor before issue 13 missed', () => {
  // That redactor, verbatim in substance: raw, base64 of the secret alone (padding
  // stripped) and encodeURIComponent, each as a literal.
  const legacy = (secret: string, text: string) => {
    let out = text
    for (const needle of [secret, b64(secret).replace(/=+$/, ''), encodeURIComponent(secret)])
      out = out.split(needle).join(REDACTED)
    return out
  }
  const marker = 'pbsecret0xQ7Q7Q7Q7Q7Q7' // the harness's planted value: 22 bytes
  const tricky = String.raw`pb"secret\x~ y`
  const query = (secret: string) => {
    const url = new URL('https://api.example/track')
    url.searchParams.set('key', secret)
    return url.href
  }
  const cases: Array<[string, string, string]> = [
    ['URLSearchParams query', tricky, query(tricky)],
    ['JSON-escaped body', tricky, JSON.stringify({ key: tricky })],
    ['Basic base64(secret + ":")', marker, `Basic ${b64(`${marker}:`)}`],
    ['Basic base64(user + ":" + secret)', tricky, `Basic ${b64(`a:${tricky}`)}`],
    ['base64url', marker, b64url(`a:${marker}`)],
    ['hex', marker, Buffer.from(marker).toString('hex')],
  ]
  it.each(cases)('%s: leaked before, redacted now', (_name, secret, text) => {
    const matcher = createSecretMatcher([secret])
    expect(matcher.find(legacy(secret, text))).toBeDefined()
    expect(matcher.find(createRedactor([secret]).string(text))).toBeUndefined()
  })
})
