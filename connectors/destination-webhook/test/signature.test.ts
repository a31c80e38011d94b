import { describe, expect, it } from 'vitest'
import { signPayload, verifySignature } from '../src/index.ts'
import { fixture, NOW_MS, NOW_SEC, transform } from './_helpers.ts'

const SECRET = 'whsec_test_0123456789abcdef'
const BODY = '{"type":"track","event":"Order Completed"}'
// Computed independently: printf '%s' '1768471200.<body>' | openssl dgst -sha256 -hmac "$SECRET"
const BODY_HMAC = '23bceb216524787d0785f6a967cdd6adea3d53c1edf4244a0268b403f4877968'
const EMPTY_HMAC = '24d4c52995d02fe89a09e0bef6f51551a2e3e5c753b645a6749b3e0bbd7d34f8'
const now = () => NOW_MS

describe('signPayload', () => {
  it('is HMAC-SHA256 over "<t>.<raw body>", as t=<unix>,v1=<hex>', () => {
    expect(signPayload(BODY, SECRET, NOW_SEC)).toBe(`t=${NOW_SEC},v1=${BODY_HMAC}`)
    expect(signPayload(new TextEncoder().encode(BODY), SECRET, NOW_SEC)).toBe(`t=${NOW_SEC},v1=${BODY_HMAC}`)
  })

  it('refuses timestamps that are not whole, non-negative unix seconds', () => {
    expect(() => signPayload(BODY, SECRET, 1.5)).toThrowError(RangeError)
    expect(() => signPayload(BODY, SECRET, -1)).toThrowError(RangeError)
  })
})

describe('the destination signs what it sends', () => {
  it('signs the exact JSON body with the clock given to createWebhookDestination', async () => {
    const event = fixture('track')
    const request = await transform(event, { url: 'https://h.example/in', signing: { secret: SECRET } })
    const header = request.headers?.['patchbay-signature']
    expect(header).toBe(signPayload(JSON.stringify(event), SECRET, NOW_SEC))
    expect(verifySignature(request.body as string, header, SECRET, { now })).toEqual({
      ok: true,
      timestamp: NOW_SEC,
    })
  })

  it('signs an empty body for GET, under a custom header name', async () => {
    const request = await transform(fixture('page'), {
      url: 'https://h.example/in',
      method: 'GET',
      signing: { secret: SECRET, header: 'X-Hook-Signature' },
    })
    expect(request.headers?.['x-hook-signature']).toBe(`t=${NOW_SEC},v1=${EMPTY_HMAC}`)
    expect(request.headers).not.toHaveProperty('patchbay-signature')
  })

  it('signs form bodies too', async () => {
    const request = await transform(fixture('identify'), {
      url: 'https://h.example/in',
      bodyFormat: 'form',
      signing: { secret: SECRET },
    })
    expect(
      verifySignature(request.body as string, request.headers?.['patchbay-signature'], SECRET, { now }).ok,
    ).toBe(true)
  })
})

describe('verifySignature', () => {
  const header = `t=${NOW_SEC},v1=${BODY_HMAC}`

  it('accepts a valid signature and returns its timestamp', () => {
    expect(verifySignature(BODY, header, SECRET, { now })).toEqual({ ok: true, timestamp: NOW_SEC })
    expect(verifySignature(Buffer.from(BODY), header, SECRET, { now }).ok).toBe(true)
  })

  it('says mismatch when one byte of the body changed', () => {
    const tampered = BODY.replace('Completed', 'Complete.')
    expect(verifySignature(tampered, header, SECRET, { now })).toEqual({
      ok: false,
      reason: 'mismatch',
      timestamp: NOW_SEC,
      message: 'signature does not match the body and secret',
    })
    expect(verifySignature(`${BODY} `, header, SECRET, { now })).toMatchObject({ reason: 'mismatch' })
  })

  it('says mismatch for the wrong secret, or a signature with a flipped digit', () => {
    expect(verifySignature(BODY, header, 'whsec_other_0123456789abcdef', { now })).toMatchObject({
      reason: 'mismatch',
    })
    const flipped = `t=${NOW_SEC},v1=${BODY_HMAC.slice(0, -1)}9`
    expect(verifySignature(BODY, flipped, SECRET, { now })).toMatchObject({ reason: 'mismatch' })
  })

  it('says mismatch when the timestamp was changed (it is part of what is signed)', () => {
    const moved = `t=${NOW_SEC - 1},v1=${BODY_HMAC}`
    expect(verifySignature(BODY, moved, SECRET, { now })).toMatchObject({ ok: false, reason: 'mismatch' })
  })

  it('refuses stale timestamps (replays) and future ones beyond the tolerance, in both cases before comparing', () => {
    const at = (offsetSec: number) => () => NOW_MS + offsetSec * 1000
    expect(verifySignature(BODY, header, SECRET, { now: at(300) }).ok).toBe(true)
    expect(verifySignature(BODY, header, SECRET, { now: at(301) })).toEqual({
      ok: false,
      reason: 'stale',
      timestamp: NOW_SEC,
      message: 'signature timestamp is 301 s old, more than the 300 s tolerance',
    })
    expect(verifySignature(BODY, header, SECRET, { now: at(-300) }).ok).toBe(true)
    expect(verifySignature(BODY, header, SECRET, { now: at(-301) })).toEqual({
      ok: false,
      reason: 'future',
      timestamp: NOW_SEC,
      message: 'signature timestamp is 301 s in the future, more than the 300 s tolerance',
    })
    expect(verifySignature(BODY, header, SECRET, { now: at(61), toleranceSec: 60 })).toMatchObject({
      reason: 'stale',
    })
    expect(verifySignature(BODY, header, 'wrong-secret-0123456789', { now: at(9999) })).toMatchObject({
      reason: 'stale',
    })
  })

  it('says missing for an absent or empty header', () => {
    for (const value of [undefined, null, '']) {
      expect(verifySignature(BODY, value, SECRET, { now })).toEqual({
        ok: false,
        reason: 'missing',
        message: 'no signature header',
      })
    }
  })

  it('says malformed, and why, for headers it cannot read', () => {
    const cases: Array<[string, string]> = [
      ['garbage', '"garbage" is not key=value'],
      [`v1=${BODY_HMAC}`, 'no t= timestamp'],
      [`t=${NOW_SEC}`, 'no v1= signature'],
      [`t=${NOW_SEC},v1=abc`, 'v1 must be 64 hex digits (HMAC-SHA256)'],
      [`t=${NOW_SEC},v1=${'z'.repeat(64)}`, 'v1 must be 64 hex digits (HMAC-SHA256)'],
      [`t=soon,v1=${BODY_HMAC}`, 't must be one whole number of unix seconds'],
      [`t=-5,v1=${BODY_HMAC}`, 't must be one whole number of unix seconds'],
      [`t=${NOW_SEC},t=${NOW_SEC},v1=${BODY_HMAC}`, 't must be one whole number of unix seconds'],
    ]
    for (const [value, why] of cases) {
      expect(verifySignature(BODY, value, SECRET, { now }), value).toEqual({
        ok: false,
        reason: 'malformed',
        message: `malformed signature header: ${why}`,
      })
    }
  })

  it('tolerates spaces, any order and unknown keys, and accepts any matching v1', () => {
    const other = 'f'.repeat(64)
    expect(
      verifySignature(BODY, ` v0=legacy , v1=${other}, v1=${BODY_HMAC} , t=${NOW_SEC}`, SECRET, { now }).ok,
    ).toBe(true)
    expect(verifySignature(BODY, [`t=${NOW_SEC}`, `v1=${BODY_HMAC}`], SECRET, { now }).ok).toBe(true)
  })

  it('accepts a list of secrets while rotating', () => {
    expect(verifySignature(BODY, header, ['whsec_new_0123456789abcdef', SECRET], { now }).ok).toBe(true)
    expect(verifySignature(BODY, header, ['whsec_new_0123456789abcdef'], { now }).ok).toBe(false)
  })

  it('defaults to the real clock and a 300 s tolerance', () => {
    const fresh = signPayload(BODY, SECRET, Math.floor(Date.now() / 1000))
    expect(verifySignature(BODY, fresh, SECRET).ok).toBe(true)
    const of2001 = signPayload(BODY, SECRET, 1_000_000_000)
    expect(verifySignature(BODY, of2001, SECRET)).toMatchObject({ ok: false, reason: 'stale' })
  })
})
