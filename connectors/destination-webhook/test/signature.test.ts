import { describe, expect, it } from 'vitest'
import { signPayload, signRequest, verifyRequest, verifySignature } from '../src/index.ts'
import { config, fixture, NOW_MS, NOW_SEC, transform } from './_helpers.ts'

const SECRET = 'whsec_test_0123456789abcdef'
const BODY = '{"type":"track","event":"Order Completed"}'
const POST = { method: 'POST', target: '/hooks/in?src=web', messageId: 'msg-1' }
// Computed independently, e.g.:
// printf 'v2\nmsg-1\n1768471200\nPOST\n/hooks/in?src=web\n<body>' | openssl dgst -sha256 -hmac "$SECRET"
const POST_HMAC = 'f0b10ef5938f978a89a9fe4393f9b45ac2926dc4faf74d12382fad5416c32a66'
// printf 'v2\n\n1768471200\nGET\n/hooks/in?plan=pro\n' | openssl dgst -sha256 -hmac "$SECRET"
const GET_HMAC = 'd7343b7c9069f7751ee73bcd3a91ddc34a75601d97f7816ec50884d57dec1ee6'
// printf '%s' '1768471200.<body>' | openssl dgst -sha256 -hmac "$SECRET" (the v1 scheme)
const BODY_V1_HMAC = '23bceb216524787d0785f6a967cdd6adea3d53c1edf4244a0268b403f4877968'
const EMPTY_V1_HMAC = '24d4c52995d02fe89a09e0bef6f51551a2e3e5c753b645a6749b3e0bbd7d34f8'
const now = () => NOW_MS

/** The request-target a receiver sees (req.url) for a request the destination built. */
function targetOf(request: { url: string; query?: Record<string, string> }): string {
  const url = new URL(request.url)
  for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.append(k, v)
  return `${url.pathname}${url.search}`
}

describe('signRequest (v2)', () => {
  it('is HMAC-SHA256 over "v2\\n<id>\\n<t>\\n<METHOD>\\n<path?query>\\n<body>", as t=<unix>,v2=<hex>', () => {
    expect(signRequest({ ...POST, body: BODY }, SECRET, NOW_SEC)).toBe(`t=${NOW_SEC},v2=${POST_HMAC}`)
    expect(
      signRequest({ ...POST, method: 'post', body: new TextEncoder().encode(BODY) }, SECRET, NOW_SEC),
    ).toBe(`t=${NOW_SEC},v2=${POST_HMAC}`)
    // An absolute URL is reduced to the path and query a receiver sees.
    expect(
      signRequest({ ...POST, target: 'https://h.example/hooks/in?src=web', body: BODY }, SECRET, NOW_SEC),
    ).toBe(`t=${NOW_SEC},v2=${POST_HMAC}`)
    expect(signRequest({ method: 'GET', target: '/hooks/in?plan=pro' }, SECRET, NOW_SEC)).toBe(
      `t=${NOW_SEC},v2=${GET_HMAC}`,
    )
  })

  it('adds the old v1 signature with legacyV1, for receivers that have not upgraded', () => {
    expect(signRequest({ ...POST, body: BODY }, SECRET, NOW_SEC, { legacyV1: true })).toBe(
      `t=${NOW_SEC},v2=${POST_HMAC},v1=${BODY_V1_HMAC}`,
    )
    expect(signPayload(BODY, SECRET, NOW_SEC)).toBe(`t=${NOW_SEC},v1=${BODY_V1_HMAC}`)
  })

  it('refuses an empty secret, bad timestamps and line breaks in signed fields', () => {
    expect(() => signRequest({ ...POST, body: BODY }, '', NOW_SEC)).toThrow(
      'signRequest: the secret is empty; an empty HMAC key lets anyone sign. Pass the shared secret (signing.secret).',
    )
    expect(() => signPayload(BODY, '', NOW_SEC)).toThrow(/signPayload: the secret is empty/)
    expect(() => signRequest(POST, SECRET, 1.5)).toThrowError(RangeError)
    expect(() => signRequest(POST, SECRET, -1)).toThrowError(RangeError)
    expect(() => signRequest({ ...POST, messageId: 'a\nb' }, SECRET, NOW_SEC)).toThrow(
      'signature: messageId must not contain a line break',
    )
  })
})

describe('the destination signs what it sends', () => {
  it('signs the message id, method, path and query, and the exact JSON body', async () => {
    const event = fixture('track')
    const request = await transform(event, {
      url: 'https://h.example/in?src=web',
      signing: { secret: SECRET },
    })
    const header = request.headers?.['patchbay-signature']
    expect(header).toMatch(/^t=\d+,v2=[0-9a-f]{64}$/)
    const received = {
      method: 'POST',
      url: targetOf(request),
      headers: { 'patchbay-signature': header, 'x-patchbay-message-id': event.messageId as string },
    }
    expect(received.url).toBe('/in?src=web')
    expect(verifyRequest(received, request.body as string, SECRET, { now })).toEqual({
      ok: true,
      timestamp: NOW_SEC,
      version: 'v2',
    })
  })

  it('signs GET requests over their query, under a custom header name', async () => {
    const request = await transform(fixture('page'), {
      url: 'https://h.example/in',
      method: 'GET',
      signing: { secret: SECRET, header: 'X-Hook-Signature' },
    })
    expect(request.headers).not.toHaveProperty('patchbay-signature')
    const received = {
      method: 'GET',
      url: targetOf(request),
      headers: {
        'x-hook-signature': request.headers?.['x-hook-signature'],
        'x-patchbay-message-id': request.headers?.['x-patchbay-message-id'],
      },
    }
    expect(received.url).toMatch(/^\/in\?.+/)
    expect(verifyRequest(received, '', SECRET, { now, header: 'X-Hook-Signature' }).ok).toBe(true)
  })

  it('signs the message id header as sent, also when an event header sets it, and form bodies', async () => {
    const request = await transform(fixture('identify'), {
      url: 'https://h.example/in',
      bodyFormat: 'form',
      signing: { secret: SECRET },
    })
    const headers = request.headers ?? {}
    expect(
      verifySignature(request.body as string, headers['patchbay-signature'], SECRET, {
        method: 'POST',
        target: '/in',
        messageId: headers['x-patchbay-message-id'],
        now,
      }).ok,
    ).toBe(true)
  })

  it('sends the v1 signature too when signing.legacyV1 is set', async () => {
    const request = await transform(fixture('track'), {
      url: 'https://h.example/in',
      signing: { secret: SECRET, legacyV1: true },
    })
    const header = request.headers?.['patchbay-signature'] as string
    expect(header).toMatch(/^t=\d+,v2=[0-9a-f]{64},v1=[0-9a-f]{64}$/)
    // An old receiver (v1 only) still verifies the body.
    const v1Only = header.replace(/v2=[0-9a-f]+,/, '')
    expect(verifySignature(request.body as string, v1Only, SECRET, { now, acceptV1: true }).ok).toBe(true)
  })

  it('refuses an empty or short secret in the config', () => {
    for (const secret of ['', 'short'])
      expect(() => config({ url: 'https://h.example/in', signing: { secret } })).toThrow(
        /signing\/secret|secret/,
      )
  })
})

/** Issue 12, item 8: each way around the v1 scheme, refused by v2. */
describe('the bypasses of the body-only (v1) scheme are closed', () => {
  it('a GET carried one signature for every query; now a forged query does not verify', async () => {
    const forUser = async (userId: string) => {
      const event = { ...fixture('identify'), userId, traits: { plan: userId === 'u-1' ? 'free' : 'pro' } }
      return transform(event, { url: 'https://h.example/in', method: 'GET', signing: { secret: SECRET } })
    }
    const a = await forUser('u-1')
    const b = await forUser('u-2')
    // v1: the same signature for both users (an empty body).
    expect(signPayload('', SECRET, NOW_SEC)).toBe(`t=${NOW_SEC},v1=${EMPTY_V1_HMAC}`)
    // v2: different, and A's signature does not verify B's query.
    expect(a.headers?.['patchbay-signature']).not.toBe(b.headers?.['patchbay-signature'])
    const forged = verifySignature('', a.headers?.['patchbay-signature'], SECRET, {
      method: 'GET',
      target: targetOf(b),
      messageId: a.headers?.['x-patchbay-message-id'],
      now,
    })
    expect(forged).toEqual({
      ok: false,
      reason: 'mismatch',
      timestamp: NOW_SEC,
      message: 'signature does not match the request (message id, method, path and query, body) and secret',
    })
  })

  it('a POST replayed to another path, or as another method, does not verify', () => {
    const header = signRequest({ ...POST, body: BODY }, SECRET, NOW_SEC)
    expect(verifySignature(BODY, header, SECRET, { ...POST, now }).ok).toBe(true)
    for (const changed of [
      { target: '/admin/delete-user?src=web' },
      { target: '/hooks/in?src=web&x=1' },
      { target: '/hooks/in' },
      { method: 'PUT' },
    ])
      expect(verifySignature(BODY, header, SECRET, { ...POST, ...changed, now })).toMatchObject({
        ok: false,
        reason: 'mismatch',
      })
  })

  it('a changed (or added, or dropped) x-patchbay-message-id does not verify', () => {
    const header = signRequest({ ...POST, body: BODY }, SECRET, NOW_SEC)
    for (const messageId of ['msg-2', 'msg-1 ', '', undefined, ['msg-1', 'msg-2']])
      expect(verifySignature(BODY, header, SECRET, { ...POST, messageId, now })).toMatchObject({
        reason: 'mismatch',
      })
    const batch = signRequest({ method: 'POST', target: '/in', body: '[]' }, SECRET, NOW_SEC)
    expect(
      verifySignature('[]', batch, SECRET, { method: 'POST', target: '/in', messageId: 'injected', now }),
    ).toMatchObject({ reason: 'mismatch' })
  })

  it('an empty secret is refused, not used as a key', () => {
    const header = signRequest({ ...POST, body: BODY }, SECRET, NOW_SEC)
    for (const secret of ['', [], ['', SECRET]] as const)
      expect(() => verifySignature(BODY, header, secret, { ...POST, now })).toThrow(
        /verifySignature: the secret is empty/,
      )
  })

  it('a tolerance that is not a finite, non-negative number throws (NaN accepted a 30-day-old signature)', () => {
    const old = signRequest({ ...POST, body: BODY }, SECRET, NOW_SEC - 30 * 86_400)
    for (const toleranceSec of [Number.NaN, -1, Number.POSITIVE_INFINITY, '300' as unknown as number])
      expect(() => verifySignature(BODY, old, SECRET, { ...POST, now, toleranceSec })).toThrow(
        /verifySignature: toleranceSec must be a finite number of seconds, 0 or more/,
      )
    expect(verifySignature(BODY, old, SECRET, { ...POST, now })).toMatchObject({ reason: 'stale' })
  })

  it('stripping v2 to fall back on a v1 signature is refused unless the receiver opts in', () => {
    const both = signRequest({ ...POST, body: BODY }, SECRET, NOW_SEC, { legacyV1: true })
    const v1Only = both.replace(/v2=[0-9a-f]+,/, '')
    expect(verifySignature(BODY, v1Only, SECRET, { ...POST, target: '/elsewhere', now })).toEqual({
      ok: false,
      reason: 'legacy',
      timestamp: NOW_SEC,
      message:
        'only a v1 signature, which does not cover the message id, method, path or query; upgrade the sender (or pass acceptV1 while migrating)',
    })
    // With v2 present, v1 is not consulted: a matching v1 next to a bad v2 fails.
    const badV2 = both.replace(/v2=[0-9a-f]{64}/, `v2=${'0'.repeat(64)}`)
    expect(verifySignature(BODY, badV2, SECRET, { ...POST, now, acceptV1: true })).toMatchObject({
      reason: 'mismatch',
    })
  })
})

describe('verifySignature', () => {
  const header = `t=${NOW_SEC},v2=${POST_HMAC}`
  const opts = { ...POST, now }

  it('accepts a valid signature and returns its timestamp and version', () => {
    expect(verifySignature(BODY, header, SECRET, opts)).toEqual({
      ok: true,
      timestamp: NOW_SEC,
      version: 'v2',
    })
    expect(verifySignature(Buffer.from(BODY), header, SECRET, opts).ok).toBe(true)
    expect(
      verifySignature(BODY, header, SECRET, { ...opts, target: 'https://h.example/hooks/in?src=web' }).ok,
    ).toBe(true)
  })

  it('says mismatch when one byte of the body changed, for the wrong secret, or a flipped digit', () => {
    expect(verifySignature(BODY.replace('Completed', 'Complete.'), header, SECRET, opts)).toMatchObject({
      reason: 'mismatch',
    })
    expect(verifySignature(`${BODY} `, header, SECRET, opts)).toMatchObject({ reason: 'mismatch' })
    expect(verifySignature(BODY, header, 'whsec_other_0123456789abcdef', opts)).toMatchObject({
      reason: 'mismatch',
    })
    const flipped = `t=${NOW_SEC},v2=${POST_HMAC.slice(0, -1)}7`
    expect(verifySignature(BODY, flipped, SECRET, opts)).toMatchObject({ reason: 'mismatch' })
  })

  it('says mismatch when the timestamp was changed (it is part of what is signed)', () => {
    expect(verifySignature(BODY, `t=${NOW_SEC - 1},v2=${POST_HMAC}`, SECRET, opts)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    })
  })

  it('says incomplete when asked to check a v2 signature without the method and target', () => {
    expect(verifySignature(BODY, header, SECRET, { now })).toEqual({
      ok: false,
      reason: 'incomplete',
      timestamp: NOW_SEC,
      message:
        'a v2 signature covers the method, path and query: pass { method, target } (req.method, req.url)',
    })
  })

  it('refuses stale timestamps (replays) and future ones beyond the tolerance, in both cases before comparing', () => {
    const at = (offsetSec: number) => () => NOW_MS + offsetSec * 1000
    expect(verifySignature(BODY, header, SECRET, { ...opts, now: at(300) }).ok).toBe(true)
    expect(verifySignature(BODY, header, SECRET, { ...opts, now: at(301) })).toEqual({
      ok: false,
      reason: 'stale',
      timestamp: NOW_SEC,
      message: 'signature timestamp is 301 s old, more than the 300 s tolerance',
    })
    expect(verifySignature(BODY, header, SECRET, { ...opts, now: at(-300) }).ok).toBe(true)
    expect(verifySignature(BODY, header, SECRET, { ...opts, now: at(-301) })).toEqual({
      ok: false,
      reason: 'future',
      timestamp: NOW_SEC,
      message: 'signature timestamp is 301 s in the future, more than the 300 s tolerance',
    })
    expect(verifySignature(BODY, header, SECRET, { ...opts, now: at(61), toleranceSec: 60 })).toMatchObject({
      reason: 'stale',
    })
    expect(verifySignature(BODY, header, SECRET, { ...opts, now: at(1), toleranceSec: 0 })).toMatchObject({
      reason: 'stale',
    })
    expect(
      verifySignature(BODY, header, 'wrong-secret-0123456789', { ...opts, now: at(9999) }),
    ).toMatchObject({
      reason: 'stale',
    })
  })

  it('says missing for an absent or empty header', () => {
    for (const value of [undefined, null, ''])
      expect(verifySignature(BODY, value, SECRET, opts)).toEqual({
        ok: false,
        reason: 'missing',
        message: 'no signature header',
      })
  })

  it('says malformed, and why, for headers it cannot read', () => {
    const cases: Array<[string, string]> = [
      ['garbage', '"garbage" is not key=value'],
      [`v2=${POST_HMAC}`, 'no t= timestamp'],
      [`t=${NOW_SEC}`, 'no v2= signature'],
      [`t=${NOW_SEC},v2=abc`, 'v2 must be 64 hex digits (HMAC-SHA256)'],
      [`t=${NOW_SEC},v1=${'z'.repeat(64)}`, 'v1 must be 64 hex digits (HMAC-SHA256)'],
      [`t=soon,v2=${POST_HMAC}`, 't must be one whole number of unix seconds'],
      [`t=-5,v2=${POST_HMAC}`, 't must be one whole number of unix seconds'],
      [`t=${NOW_SEC},t=${NOW_SEC},v2=${POST_HMAC}`, 't must be one whole number of unix seconds'],
    ]
    for (const [value, why] of cases)
      expect(verifySignature(BODY, value, SECRET, opts), value).toEqual({
        ok: false,
        reason: 'malformed',
        message: `malformed signature header: ${why}`,
      })
  })

  it('tolerates spaces, any order and unknown keys, and accepts any matching v2', () => {
    const other = 'f'.repeat(64)
    expect(
      verifySignature(BODY, ` v0=x , v2=${other}, v2=${POST_HMAC} , t=${NOW_SEC}`, SECRET, opts).ok,
    ).toBe(true)
    expect(verifySignature(BODY, [`t=${NOW_SEC}`, `v2=${POST_HMAC}`], SECRET, opts).ok).toBe(true)
  })

  it('accepts a list of secrets while rotating', () => {
    expect(verifySignature(BODY, header, ['whsec_new_0123456789abcdef', SECRET], opts).ok).toBe(true)
    expect(verifySignature(BODY, header, ['whsec_new_0123456789abcdef'], opts).ok).toBe(false)
  })

  it('still verifies v1 signatures with acceptV1 (compatibility while senders migrate)', () => {
    const v1 = `t=${NOW_SEC},v1=${BODY_V1_HMAC}`
    expect(verifySignature(BODY, v1, SECRET, { now, acceptV1: true })).toEqual({
      ok: true,
      timestamp: NOW_SEC,
      version: 'v1',
    })
    expect(verifySignature(`${BODY} `, v1, SECRET, { now, acceptV1: true })).toEqual({
      ok: false,
      reason: 'mismatch',
      timestamp: NOW_SEC,
      message: 'signature does not match the body and secret',
    })
  })

  it('defaults to the real clock and a 300 s tolerance', () => {
    const fresh = signRequest({ ...POST, body: BODY }, SECRET, Math.floor(Date.now() / 1000))
    expect(verifySignature(BODY, fresh, SECRET, POST).ok).toBe(true)
    const of2001 = signRequest({ ...POST, body: BODY }, SECRET, 1_000_000_000)
    expect(verifySignature(BODY, of2001, SECRET, POST)).toMatchObject({ ok: false, reason: 'stale' })
  })
})
