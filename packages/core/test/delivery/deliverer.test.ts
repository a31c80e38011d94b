import { afterEach, describe, expect, it } from 'vitest'
import {
  createDeliverer,
  createRedactor,
  createUndiciTransport,
  type DeliveryOptionsInput,
  resolveDeliveryOptions,
} from '../../src/index.ts'
import { reply, startServer } from '../_server.ts'

const servers: Array<{ close(): Promise<void> }> = []
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all([...servers.splice(0).map((s) => s.close()), ...closers.splice(0).map((c) => c())])
})

async function server(handler: Parameters<typeof startServer>[0]) {
  const s = await startServer(handler)
  servers.push(s)
  return s
}

/** A deliverer over real HTTP to 127.0.0.1 (allowed explicitly), with recorded sleeps. */
function deliverer(input: DeliveryOptionsInput = {}, extra: { secrets?: string[]; allow?: string[] } = {}) {
  const options = resolveDeliveryOptions({ ...input, retry: { baseDelayMs: 100, ...input.retry } })
  const sleeps: number[] = []
  let clock = Date.parse('2026-11-22T10:00:00Z') // advances only when the deliverer sleeps
  const d = createDeliverer({
    transport: createUndiciTransport({
      timeouts: options.timeouts,
      connections: options.concurrency,
      egress: { allow: extra.allow ?? ['127.0.0.1'] },
      label: 'destinations.test',
    }),
    options,
    label: 'destinations.test',
    redactor: createRedactor(extra.secrets ?? []),
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms)
      clock += ms
    },
    random: () => 0.5,
  })
  closers.push(() => d.close())
  return { d, sleeps }
}

describe('delivery against a real HTTP server', () => {
  it('retries 5xx with backoff, then delivers', async () => {
    const s = await server((res, n) => reply(res, n < 3 ? 503 : 200, 'ok'))
    const { d, sleeps } = deliverer()
    const result = await d.deliver({ method: 'POST', url: `${s.url}/in`, body: { a: 1 } })
    expect(result).toMatchObject({ status: 'delivered', attempts: 3 })
    expect(sleeps).toEqual([75, 150]) // equal jitter at random()=0.5: 3/4 of 100·2^0, 100·2^1
    expect(s.received.map((r) => r.body)).toEqual(['{"a":1}', '{"a":1}', '{"a":1}'])
    expect(s.received[0]!.headers['content-type']).toBe('application/json')
  })

  it('honours Retry-After on 429, in seconds and as an HTTP date', async () => {
    const s = await server((res, n) =>
      n === 1
        ? reply(res, 429, '', { 'retry-after': '2' })
        : n === 2
          ? reply(res, 503, '', { 'retry-after': 'Sun, 22 Nov 2026 10:01:02 GMT' })
          : reply(res, 200),
    )
    const { d, sleeps } = deliverer()
    const result = await d.deliver({ method: 'POST', url: s.url, body: {} })
    expect(result).toMatchObject({ status: 'delivered', attempts: 3 })
    expect(sleeps).toEqual([2000, 60_000]) // 10:00:02 → 10:01:02
  })

  it('aborts 400 at once, with the response in the error and the record', async () => {
    const s = await server((res) =>
      reply(res, 400, '{"error":"bad email"}', { 'content-type': 'application/json' }),
    )
    const { d, sleeps } = deliverer()
    const result = await d.deliver({ method: 'POST', url: s.url, body: {} })
    expect(result.status).toBe('failed')
    expect(result.attempts).toBe(1)
    expect(sleeps).toEqual([])
    expect(result.error).toMatchObject({ code: 'PB_DELIVERY_ABORTED', family: 'aborted' })
    expect(result.error!.message).toBe(
      'destinations.test: the destination refused the request with 400: {"error":"bad email"}',
    )
    expect(result.response).toEqual({
      status: 400,
      headers: expect.any(Object),
      body: { error: 'bad email' },
    })
  })

  it.each([
    [501, 'aborted'],
    [404, 'aborted'],
    [401, 'aborted'],
    [408, 'retryable'],
    [500, 'retryable'],
    [502, 'retryable'],
  ])('classifies %i as %s', async (status, family) => {
    const s = await server((res) => reply(res, status))
    const { d } = deliverer({ retry: { maxAttempts: 2 } })
    const result = await d.deliver({ method: 'POST', url: s.url, body: {} })
    expect(result.error?.family).toBe(family)
    expect(result.attempts).toBe(family === 'retryable' ? 2 : 1)
    expect(result.exhausted ?? false).toBe(family === 'retryable')
  })

  // undici's headers/body timers tick once a second, so these use a 1 s timeout.
  it('retries when waiting for headers times out', { timeout: 20_000 }, async () => {
    const s = await server((res, n) => {
      if (n === 1) setTimeout(() => reply(res, 200), 4000)
      else reply(res, 200)
    })
    const { d } = deliverer({ timeouts: { headersMs: 1000 } })
    const result = await d.deliver({ method: 'POST', url: s.url, body: {} })
    expect(result).toMatchObject({ status: 'delivered', attempts: 2 })
    expect(result.exchanges![0]!.error).toBe('destinations.test: timed out waiting for the response headers')
  })

  it('gives up on timeouts when attempts run out, with a timeout code', { timeout: 20_000 }, async () => {
    const s = await server((res) => {
      setTimeout(() => reply(res, 200), 4000)
    })
    const { d } = deliverer({ timeouts: { headersMs: 1000 }, retry: { maxAttempts: 2 } })
    const result = await d.deliver({ method: 'POST', url: s.url, body: {} })
    expect(result).toMatchObject({ status: 'failed', attempts: 2, exhausted: true })
    expect(result.error).toMatchObject({ code: 'PB_DELIVERY_TIMEOUT', family: 'retryable' })
  })

  it('retries a connection reset', async () => {
    const s = await server((res, n) => {
      if (n === 1) res.socket?.destroy()
      else reply(res, 200)
    })
    const { d } = deliverer()
    const result = await d.deliver({ method: 'POST', url: s.url, body: {} })
    expect(result).toMatchObject({ status: 'delivered', attempts: 2 })
    expect(result.exchanges![0]!.error).toMatch(/^destinations\.test: network error/)
  })

  it('retries a refused connection, and stops when the total time would pass maxElapsedMs', async () => {
    const s = await server((res) => reply(res, 200))
    const url = s.url
    await s.close()
    servers.length = 0
    const { d, sleeps } = deliverer({ retry: { maxAttempts: 10, baseDelayMs: 1000, maxElapsedMs: 2500 } })
    const result = await d.deliver({ method: 'POST', url, body: {} })
    expect(result).toMatchObject({ status: 'failed', exhausted: true })
    expect(result.error?.code).toBe('PB_DELIVERY_RETRYABLE')
    expect(result.error?.message).toContain('ECONNREFUSED')
    // waits 750, 1500 (total 2250); the next, 3000, would pass 2500.
    expect(sleeps).toEqual([750, 1500])
  })

  it('keeps at most `concurrency` requests in flight', async () => {
    const s = await server((res) => {
      setTimeout(() => reply(res, 200), 20)
    })
    const { d } = deliverer({ concurrency: 2 })
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => d.deliver({ method: 'POST', url: s.url, body: { i } })),
    )
    expect(results.every((r) => r.status === 'delivered')).toBe(true)
    expect(s.maxInFlight).toBe(2)
  })

  it('sends query parameters and string bodies as given; GET has no body', async () => {
    const s = await server((res) => reply(res, 200))
    const { d } = deliverer()
    await d.deliver({
      method: 'GET',
      url: `${s.url}/p?x=1`,
      query: { 'k.v': 'a b' },
      body: { ignored: true },
    })
    await d.deliver({ method: 'PUT', url: s.url, headers: { 'Content-Type': 'text/plain' }, body: 'raw' })
    expect(s.received[0]).toMatchObject({ method: 'GET', url: '/p?x=1&k.v=a+b', body: '' })
    expect(s.received[1]).toMatchObject({
      method: 'PUT',
      body: 'raw',
      headers: { 'content-type': 'text/plain' },
    })
  })
  it('reads a response as undici request() and body.text() do: 1xx skipped, UTF-8 body in chunks without its BOM, repeated headers joined', async () => {
    const s = await server(async (res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload' })
      res.setHeader('content-type', 'application/json')
      res.setHeader('set-cookie', ['a=1', 'b=2'])
      res.writeHead(200)
      res.write(Buffer.from([0xef, 0xbb, 0xbf]))
      res.write('{"ok":')
      await new Promise((r) => setTimeout(r, 20))
      res.end('"é✓"}')
    })
    const { d } = deliverer()
    const result = await d.deliver({ method: 'POST', url: s.url, body: {} })
    expect(result).toMatchObject({ status: 'delivered', attempts: 1 })
    expect(result.response).toMatchObject({
      status: 200,
      headers: { 'content-type': 'application/json', 'set-cookie': 'a=1, b=2' },
      body: { ok: 'é✓' },
    })
  })

  it('leaves a URL that is not http(s) to undici, which refuses it before any connection', async () => {
    const { d } = deliverer({ retry: { maxAttempts: 1 } })
    const result = await d.deliver({ method: 'POST', url: 'ftp://127.0.0.1/in', body: {} })
    expect(result).toMatchObject({ status: 'failed', attempts: 1 })
    expect(result.error!.message).toMatch(/network error UND_ERR_INVALID_ARG: Invalid URL protocol/)
  })

  it('reports a body cut off mid-way as a retryable network error, then delivers', async () => {
    const s = await server((res, n) => {
      if (n > 1) return reply(res, 200, 'ok')
      res.writeHead(200, { 'content-length': '100' })
      res.write('partial')
      setTimeout(() => res.socket?.destroy(), 20)
    })
    const { d } = deliverer()
    const result = await d.deliver({ method: 'POST', url: s.url, body: {} })
    expect(result).toMatchObject({ status: 'delivered', attempts: 2, response: { body: 'ok' } })
    expect(result.exchanges![0]!.error).toMatch(/^destinations\.test: network error/)
  })
})

describe('records', () => {
  it('are redacted: secret values, their base64, and credential headers never appear', async () => {
    const secret = 'sk_live_0123456789'
    const s = await server((res) => reply(res, 500, `echo ${secret}`))
    const { d } = deliverer({ retry: { maxAttempts: 1 } }, { secrets: [secret] })
    const result = await d.deliver({
      method: 'POST',
      url: `${s.url}/hook?key=${secret}`,
      headers: {
        authorization: `Basic ${Buffer.from(`user:${secret}`).toString('base64')}`,
        'x-token': secret,
      },
      body: { token: secret, b64: Buffer.from(secret).toString('base64') },
    })
    const text = JSON.stringify(result.exchanges)
    expect(text).not.toContain(secret)
    expect(text).not.toContain(Buffer.from(secret).toString('base64').replace(/=+$/, ''))
    expect(result.exchanges![0]!.request.headers).toEqual({
      authorization: '[redacted]',
      'x-token': '[redacted]',
      'content-type': 'application/json',
    })
    expect(result.exchanges![0]!.response!.body).toBe('echo [redacted]')
    // The server did get the real values: only records are redacted.
    expect(s.received[0]!.url).toContain(secret)
  })

  it('cap bodies at record.maxBodyBytes', async () => {
    const s = await server((res) => reply(res, 200, 'x'.repeat(5000)))
    const { d } = deliverer({ record: { maxBodyBytes: 16 } })
    const result = await d.deliver({ method: 'POST', url: s.url, body: 'y'.repeat(100) })
    expect(result.exchanges![0]!.request.body).toBe(`${'y'.repeat(16)}… (100 bytes)`)
    expect(result.exchanges![0]!.response!.body).toBe(`${'x'.repeat(16)}… (5000 bytes)`)
  })
})

describe('egress policy', () => {
  it('refuses loopback unless allowed, before any byte is sent', async () => {
    const s = await server((res) => reply(res, 200))
    const { d } = deliverer({}, { allow: [] })
    const result = await d.deliver({ method: 'POST', url: s.url, body: {} })
    expect(result).toMatchObject({ status: 'failed', attempts: 1 })
    expect(result.error).toMatchObject({ code: 'PB_EGRESS_DENIED', family: 'aborted' })
    expect(result.error!.message).toBe(
      'destinations.test: egress to 127.0.0.1 is denied: it is a loopback address',
    )
    expect(s.received).toHaveLength(0)
  })

  it('checks the addresses a hostname resolves to (localhost → 127.0.0.1)', async () => {
    const s = await server((res) => reply(res, 200))
    const { d } = deliverer({}, { allow: [] })
    const result = await d.deliver({ method: 'POST', url: `http://localhost:${s.port}/`, body: {} })
    expect(result.error?.code).toBe('PB_EGRESS_DENIED')
    expect(result.error!.message).toMatch(/egress to localhost \((127\.0\.0\.1|::1)\) is denied/)
    expect(s.received).toHaveLength(0)
  })

  it('checks every request to an address: one refused is refused again, and one allowed does not let another through', async () => {
    const s = await server((res) => reply(res, 200))
    const refused = deliverer({ retry: { maxAttempts: 1 } }, { allow: [] })
    for (let i = 0; i < 2; i++) {
      const result = await refused.d.deliver({ method: 'POST', url: s.url, body: {} })
      expect(result.error?.code).toBe('PB_EGRESS_DENIED')
    }
    const one = deliverer({ retry: { maxAttempts: 1 } }, { allow: ['127.0.0.1'] })
    expect((await one.d.deliver({ method: 'POST', url: s.url, body: {} })).status).toBe('delivered')
    expect((await one.d.deliver({ method: 'POST', url: `${s.url}/again`, body: {} })).status).toBe(
      'delivered',
    )
    // Same transport, same port, another loopback spelling of another address: still refused.
    for (const host of ['127.0.0.2', '[::1]', '[::ffff:7f00:2]']) {
      const result = await one.d.deliver({ method: 'POST', url: `http://${host}:${s.port}/`, body: {} })
      expect(result.error?.code).toBe('PB_EGRESS_DENIED')
    }
    expect(s.received.map((r) => r.url)).toEqual(['/', '/again'])
  })

  it('allows by CIDR range and by hostname', async () => {
    const s = await server((res) => reply(res, 200))
    const byRange = deliverer({}, { allow: ['127.0.0.0/8'] })
    expect((await byRange.d.deliver({ method: 'POST', url: s.url, body: {} })).status).toBe('delivered')
    const byName = deliverer({}, { allow: ['localhost'] })
    const result = await byName.d.deliver({ method: 'POST', url: `http://localhost:${s.port}/`, body: {} })
    // localhost may resolve to ::1 first, where nothing listens; what matters is that egress allowed it.
    expect(result.error?.code).not.toBe('PB_EGRESS_DENIED')
  })
})
