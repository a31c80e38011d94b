import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_LOG_CHARS } from '../src/_request-handler.ts'
import { type ChildGateway, httpRequest, rawRequest, useChildGateways } from './_child.ts'
import { basic, startReceiver, waitFor } from './_gateway.ts'

/**
 * Fuzzes every route of a real gateway process with fast-check (fixed seed, a fixed number of
 * runs, ~20-40 s): random methods, paths, headers, encodings, bodies and truncations, sent
 * as raw bytes on a socket so nothing is normalised on the way. Documented bounds it checks
 * (docs/http-api.md): every answer is 2xx or 4xx, or a 503 that says why; no answer is
 * larger than 64 KiB; no log line is longer than MAX_LOG_CHARS plus its framing; /health
 * answers within a second throughout; nothing unexpected (a 500, an uncaught error) happens.
 */
const SEED = 20_261_130
const RUNS = 2_000
const MAX_ANSWER_BYTES = 64 * 1024
const ADMIN_TOKEN = 'admin-token-0123456789'
const KEY = 'wk_test_0123456789'

const { spawnGateway } = useChildGateways({ per: 'file' })
let gateway: ChildGateway
let receiver: Awaited<ReturnType<typeof startReceiver>>
beforeAll(async () => {
  receiver = await startReceiver()
  gateway = await spawnGateway({ receiverUrl: receiver.url, options: { adminToken: ADMIN_TOKEN } })
}, 60_000)
afterAll(() => receiver.close())

const event = fc.record(
  {
    type: fc.constantFrom('track', 'identify', 'page', 'screen', 'group', 'alias', 'bogus'),
    event: fc.string(),
    userId: fc.oneof(fc.string(), fc.integer()),
    anonymousId: fc.uuid(),
    messageId: fc.string({ maxLength: 60 }),
    properties: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })),
    writeKey: fc.constant(KEY),
  },
  { requiredKeys: [] },
)

const jsonText = fc.oneof(
  event.map((e) => JSON.stringify(e)),
  fc.array(event, { maxLength: 20 }).map((batch) => JSON.stringify({ batch })),
  fc.json({ maxDepth: 4 }),
  fc.json().map((j) => `{"batch":[${j}]}`),
  fc.integer({ min: 1, max: 3_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc
    .integer({ min: 1, max: 3_000 })
    .map((n) => `{"batch":[{"type":"track","properties":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}]}`),
  fc.integer({ min: 1, max: 40_000 }).map((n) => `{"batch":[${Array(n).fill('{}').join(',')}]}`),
  fc.constantFrom(
    '{"batch":[{"type":"track","event":"x","userId":"u","properties":{"__proto__":{"admin":true}}}]}',
    '{"type":"x","data":{"constructor":{"prototype":{}}}}',
    '{"ids":[1],"destinationId":"hook"}',
    '',
    'null',
    '{"batch":',
  ),
)

const body: fc.Arbitrary<Uint8Array> = fc.oneof(
  jsonText.map((t) => Buffer.from(t)),
  jsonText.map((t) => gzipSync(t)),
  jsonText.chain((t) =>
    fc.nat(Math.max(0, gzipSync(t).length - 1)).map((cut) => gzipSync(t).subarray(0, cut)),
  ),
  fc.uint8Array({ maxLength: 2_000 }),
  fc
    .tuple(jsonText, fc.uint8Array({ minLength: 1, maxLength: 4 }))
    .map(([t, junk]) =>
      Buffer.concat([
        Buffer.from(t.slice(0, t.length >> 1)),
        Buffer.from([0xc3, ...junk]),
        Buffer.from(t.slice(t.length >> 1)),
      ]),
    ),
)

const path = fc.oneof(
  fc.constantFrom(
    '/v1/batch',
    '/v1/track',
    '/v1/identify',
    '/v1/page',
    '/v1/alias',
    `/v1/batch?writeKey=${KEY}`,
    '/v1/webhook/stripe',
    '/v1/webhook/stripe?writeKey=wk_stripe_0123456789',
    '/v1/webhook/%ZZ',
    '/v1/webhook/%E0%A4%A',
    '/v1/webhook/',
    '/health',
    '/metrics',
    '/admin/stats',
    '/admin/dead-letters',
    '/admin/dead-letters/1',
    '/admin/dead-letters/replay',
    '/admin/dead-letters/purge',
    '/admin/dead-letters?limit=-1&after=x',
    '//a:b:c/',
    '//v1/batch',
    '*',
    'http://evil.example/v1/batch',
  ),
  fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => `/${encodeURI(s)}`),
  fc.string({ maxLength: 40 }).map((s) => `/v1/${s.replace(/[\s]/g, '')}`),
  fc.stringMatching(/^\/[%:/a-zA-Z0-9.~-]{0,60}$/),
  fc.integer({ min: 1, max: 20_000 }).map((n) => `/v1/${'a'.repeat(n)}`),
)

const headers = fc.record(
  {
    authorization: fc.oneof(
      fc.constant(basic(KEY)),
      fc.constant(basic('wk_stripe_0123456789')),
      fc.constant(basic('nope')),
      fc.constant(`Bearer ${ADMIN_TOKEN}`),
      fc.constant('Bearer wrong'),
      fc.string({ maxLength: 30 }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
      fc.integer({ min: 1_000, max: 20_000 }).map((n) => `Basic ${'A'.repeat(n)}`),
    ),
    'content-type': fc.constantFrom(
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'json; charset=latin1',
      '',
    ),
    'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'garbage', 'identity', 'GZIP ', ''),
    'x-forwarded-for': fc.constantFrom('1.2.3.4', 'not an ip', '::1, 10.0.0.1'),
    'x-huge': fc
      .oneof(
        { arbitrary: fc.integer({ min: 1, max: 200 }), weight: 4 },
        { arbitrary: fc.integer({ min: 1, max: 40_000 }), weight: 1 },
      )
      .map((n) => 'h'.repeat(n)),
  },
  { requiredKeys: [] },
)

/** How the bytes go out: whole, with a lying Content-Length, or cut off halfway and closed. */
const delivery = fc.oneof(
  { arbitrary: fc.constant({ kind: 'whole' as const }), weight: 4 },
  fc.integer({ min: -5, max: 1_000_000 }).map((length) => ({ kind: 'lying' as const, length })),
  fc.double({ min: 0, max: 1, noNaN: true }).map((fraction) => ({ kind: 'truncated' as const, fraction })),
)

/** Requests an SDK could send, now and then, so the fuzzer also gets past authentication. */
const plausible = fc.record({
  method: fc.constant('POST'),
  path: fc.constantFrom('/v1/batch', '/v1/track', '/v1/identify', '/v1/webhook/stripe'),
  headers: fc
    .constantFrom(KEY, 'wk_stripe_0123456789')
    .map((key) => ({ authorization: basic(key), 'content-type': 'application/json' })),
  body: fc.oneof(
    fc.array(event, { minLength: 1, maxLength: 10 }).map((batch) => Buffer.from(JSON.stringify({ batch }))),
    event.map((e) => Buffer.from(JSON.stringify({ ...e, userId: 'u1', type: undefined }))),
    event.map((e) => gzipSync(JSON.stringify({ batch: [{ ...e, type: 'track', event: 'E', userId: 'u' }] }))),
  ),
  delivery: fc.constant({ kind: 'whole' as const }),
})

// Regulations admin API (issue 20): random bodies, paths and headers on /admin/regulations,
// mostly with the admin token so the fuzzer gets past authentication.
const identifier = fc.record(
  {
    type: fc.oneof(fc.constantFrom('userId', 'anonymousId', 'email', 'phone', '__proto__', ''), fc.string()),
    value: fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.integer(),
      fc.constant("x' OR '1'='1"),
      fc.string({ minLength: 1_020, maxLength: 1_100 }),
    ),
  },
  { requiredKeys: [] },
)
const regulationBody = fc.oneof(
  fc
    .record(
      {
        type: fc.oneof(fc.constantFrom('suppress', 'suppress_with_delete', 'delete', ''), fc.string()),
        identifiers: fc.oneof(fc.array(identifier, { maxLength: 5 }), fc.jsonValue({ maxDepth: 2 })),
        extra: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    )
    .map((r) => Buffer.from(JSON.stringify(r))),
  body,
)
const regulations = fc.record({
  method: fc.constantFrom('POST', 'POST', 'GET', 'GET', 'DELETE', 'PUT'),
  path: fc.oneof(
    fc.constantFrom(
      '/admin/regulations',
      '/admin/regulations/1',
      '/admin/regulations/0',
      '/admin/regulations/-1',
      '/admin/regulations/99999999999999999999',
      '/admin/regulations/abc',
      '/admin/regulations?limit=0',
      '/admin/regulations?limit=1&before=2',
      '/admin/regulations?limit=x&before=%ZZ',
      '/admin/regulations/',
      '/admin/regulations//1',
    ),
    fc.string({ maxLength: 30 }).map((s) => `/admin/regulations/${encodeURIComponent(s)}`),
    fc.string({ maxLength: 30 }).map((s) => `/admin/regulations?${encodeURI(s)}`),
  ),
  headers: fc.oneof(
    {
      arbitrary: fc.constant({ authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }),
      weight: 4,
    },
    { arbitrary: headers, weight: 1 },
  ),
  body: regulationBody,
  delivery,
})

const request = fc.oneof(
  {
    arbitrary: fc.record({
      method: fc.constantFrom(
        'GET',
        'POST',
        'POST',
        'POST',
        'PUT',
        'DELETE',
        'OPTIONS',
        'HEAD',
        'PATCH',
        'BREW',
      ),
      path,
      headers,
      body,
      delivery,
    }),
    weight: 4,
  },
  { arbitrary: plausible, weight: 2 },
  { arbitrary: regulations, weight: 1 },
)

/** Polls /health all along; each poll must answer within a second (a second chance for one hiccup). */
function watchHealth() {
  const problems: string[] = []
  let running = true
  const loop = (async () => {
    let strikes = 0
    while (running) {
      try {
        const res = await fetch(`${gateway.url}/health`, { signal: AbortSignal.timeout(1_000) })
        await res.text()
        if (res.status !== 200) problems.push(`/health answered ${res.status}`)
        strikes = 0
      } catch (error) {
        if (++strikes >= 2) problems.push(`/health did not answer within a second, twice in a row: ${error}`)
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  })()
  return {
    problems,
    stop: async () => {
      running = false
      await loop
    },
  }
}

describe('fuzzing a real gateway process', () => {
  it(`survives ${RUNS} random requests (seed ${SEED}) within its documented bounds`, async () => {
    const health = watchHealth()
    const seen = new Map<number, number>()
    try {
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const declared =
            r.delivery.kind === 'lying'
              ? { 'content-length': String(r.delivery.length) }
              : ({} as Record<string, string>)
          const bytes = httpRequest(r.method, r.path, { ...r.headers, ...declared }, r.body)
          const cut =
            r.delivery.kind === 'truncated'
              ? bytes.subarray(0, Math.floor(bytes.length * r.delivery.fraction))
              : bytes
          const answer = await rawRequest(gateway.port, cut, {
            closeAfterWrite: r.delivery.kind !== 'whole',
            ms: 15_000,
          })
          seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1)
          expect(gateway.alive()).toBe(true)
          expect(answer.bytes).toBeLessThanOrEqual(MAX_ANSWER_BYTES)
          // A request that was whole must get an answer; a cut-off one may not.
          if (r.delivery.kind === 'whole') expect(answer.status).not.toBe(0)
          if (answer.status === 0) return
          const ok =
            (answer.status >= 200 && answer.status < 300) || (answer.status >= 400 && answer.status < 500)
          if (!ok) {
            // The documented 503s say why; anything else (a 500) is a bug.
            expect(
              answer.status,
              `${r.method} ${r.path.slice(0, 80)}: ${answer.head}\n${answer.body.slice(0, 500)}`,
            ).toBe(503)
            expect(answer.body).toMatch(/PB_GATEWAY_OVERLOADED|PB_GATEWAY_STORAGE_FULL/)
          }
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      )
    } finally {
      await health.stop()
    }
    expect(health.problems).toEqual([])
    expect(gateway.alive()).toBe(true)
    for (const line of gateway.lines) expect(line.length).toBeLessThanOrEqual(MAX_LOG_CHARS + 1_000)
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text()
    for (const where of ['request', 'admin', 'uncaught'])
      expect(metrics).toContain(`patchbay_internal_errors_total{where="${where}"} 0`)
    // The fuzzer reached more than the front door.
    console.log(`answers by status over ${RUNS} requests: ${JSON.stringify(Object.fromEntries(seen))}`)
    expect([...seen.keys()].filter((s) => s >= 200 && s < 300).length).toBeGreaterThan(0)
    expect(seen.get(400) ?? 0).toBeGreaterThan(10)
    expect(seen.get(401) ?? 0).toBeGreaterThan(10)
    expect(seen.get(404) ?? 0).toBeGreaterThan(10)
  }, 180_000)
})

// The identity admin routes (/admin/identity/lookup and /stats), on a gateway of their own with
// stitching on: random ids, query strings, paths, methods and tokens; every 200 is in the
// documented shape (the TypeBox schemas), everything else a coded 4xx.
describe('fuzzing the identity admin routes', () => {
  it('answers every lookup and stats request in its documented shape, or with a coded 4xx', async () => {
    const { IdentityLookupSchema, IdentityStatsSchema } = await import('@patchbay/identity')
    const { Value } = await import('typebox/value')
    const stitching = await spawnGateway({
      receiverUrl: receiver.url,
      identity: '{}',
      options: { adminToken: ADMIN_TOKEN },
    })
    const batch = Array.from({ length: 20 }, (_, i) => ({
      type: 'identify',
      anonymousId: `anon-${i}`,
      userId: `user-${i % 7}`,
      traits: { email: `p${i % 5}@example.com` },
      messageId: `identity-fuzz-${i}`,
    }))
    const sent = await fetch(`${stitching.url}/v1/batch`, {
      method: 'POST',
      headers: { authorization: basic(KEY), 'content-type': 'application/json' },
      body: JSON.stringify({ batch }),
    })
    expect(sent.status).toBe(200)
    const admin = (path: string) =>
      fetch(`${stitching.url}/admin/identity/${path}`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
    await waitFor(
      async () => ((await (await admin('stats')).json()) as { identifiers: number }).identifiers >= 32,
      'the fuzz events stitched',
      30_000,
    )
    const known = fc.constantFrom(
      'anonymousId:anon-3',
      'userId:user-2',
      'p1@example.com',
      'email:p4@example.com',
      'user-6',
      'anon-19',
    )
    const text = fc.oneof(
      { arbitrary: known, weight: 4 },
      fc.string({ maxLength: 60 }),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.integer({ min: 1_000, max: 5_000 }).map((n) => 'x'.repeat(n)),
      fc.constantFrom('', ':', 'userId:', ':u', '%ZZ', '%E0%A4%A', '__proto__', 'constructor'),
    )
    const raw = encodeURIComponent
    const identityPath = fc.oneof(
      text.map((id) => `/admin/identity/lookup?id=${raw(id)}`),
      // Unencoded, but for what a request line cannot hold: & = % ? and friends arrive raw.
      text.map((id) => `/admin/identity/lookup?id=${encodeURI(id.replace(/[\s#]/g, ''))}`),
      fc.tuple(text, text).map(([a, b]) => `/admin/identity/lookup?id=${raw(a)}&id=${raw(b)}`),
      text.map((n) => `/admin/identity/stats?largest=${raw(n)}`),
      fc.integer({ min: -5, max: 2_000 }).map((n) => `/admin/identity/stats?largest=${n}`),
      text.map((p) => `/admin/identity/${raw(p)}`),
      fc.constantFrom(
        '/admin/identity',
        '/admin/identity/',
        '/admin/identity/stats',
        '/admin/identity/lookup',
      ),
    )
    const seen = new Map<number, number>()
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'GET', 'GET', 'POST', 'DELETE', 'HEAD'),
        identityPath,
        fc.constantFrom(`Bearer ${ADMIN_TOKEN}`, `Bearer ${ADMIN_TOKEN}`, 'Bearer wrong', basic(KEY)),
        async (method, path, authorization) => {
          const answer = await rawRequest(stitching.port, httpRequest(method, path, { authorization }), {
            ms: 15_000,
          })
          seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1)
          const what = `${method} ${path.slice(0, 80)}: ${answer.head}\n${answer.body.slice(0, 300)}`
          expect(answer.bytes, what).toBeLessThanOrEqual(MAX_ANSWER_BYTES)
          if (answer.status === 200 && method === 'GET') {
            const schema = path.startsWith('/admin/identity/stats')
              ? IdentityStatsSchema
              : IdentityLookupSchema
            expect(Value.Check(schema, JSON.parse(answer.body)), what).toBe(true)
          } else if (method !== 'HEAD') {
            expect([400, 401, 404], what).toContain(answer.status)
            expect(JSON.parse(answer.body).error.code, what).toMatch(/^PB_GATEWAY_/)
          }
        },
      ),
      { seed: SEED, numRuns: 400, endOnFailure: true },
    )
    expect(seen.get(200) ?? 0).toBeGreaterThan(20)
    expect(seen.get(404) ?? 0).toBeGreaterThan(20)
    expect(stitching.alive()).toBe(true)
    const metrics = await (await fetch(`${stitching.url}/metrics`)).text()
    expect(metrics).toContain('patchbay_internal_errors_total{where="admin"} 0')
    // A gateway without an identity: block says so, with its own code.
    const off = await fetch(`${gateway.url}/admin/identity/stats`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })
    expect(off.status).toBe(409)
    expect(((await off.json()) as { error: { code: string } }).error.code).toBe('PB_GATEWAY_IDENTITY_OFF')
  }, 120_000)
})
