import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { basic, post, startReceiver, useGateways, WRITE_KEY, waitFor, webhookPipeline } from './_gateway.ts'

const { start, track } = useGateways()

async function gateway(options = {}) {
  const receiver = track(await startReceiver())
  const g = await start(webhookPipeline(receiver.url), options)
  return { g, receiver }
}

const event = (i: number, extra: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Viewed',
  userId: `u-${i}`,
  messageId: `m-${i}`,
  ...extra,
})

describe('ingestion: what is accepted', () => {
  it('accepts every call type at its endpoint, and a batch, and stores them all', async () => {
    const { g, receiver } = await gateway()
    const calls: Array<[string, Record<string, unknown>]> = [
      ['track', { userId: 'u1', event: 'A', messageId: 'c-track' }],
      ['identify', { userId: 'u1', traits: { plan: 'pro' }, messageId: 'c-identify' }],
      ['page', { anonymousId: 'a1', name: 'Home', messageId: 'c-page' }],
      ['screen', { anonymousId: 'a1', name: 'Cart', messageId: 'c-screen' }],
      ['group', { userId: 'u1', groupId: 'g1', messageId: 'c-group' }],
      ['alias', { userId: 'u1', previousId: 'a1', messageId: 'c-alias' }],
    ]
    for (const [type, body] of calls) expect((await post(g, `/v1/${type}`, body)).status).toBe(200)
    expect((await post(g, '/v1/batch', { batch: [event(1), event(2)] })).status).toBe(200)
    await waitFor(() => receiver.received.length === 8, '8 deliveries')
    const types = receiver.received.map((r) => (r.body as { type: string }).type).sort()
    expect(types).toEqual(['alias', 'group', 'identify', 'page', 'screen', 'track', 'track', 'track'])
  })

  it('takes gzip bodies, as the SDKs send them', async () => {
    const { g, receiver } = await gateway()
    const body = gzipSync(JSON.stringify({ batch: [event(1), event(2), event(3)] }))
    const res = await post(g, '/v1/batch', new Uint8Array(body), {
      authorization: basic(),
      'content-encoding': 'gzip',
    })
    expect(res.status).toBe(200)
    await waitFor(() => receiver.received.length === 3, '3 deliveries')
  })

  it('normalises on arrival: receivedAt, skew-corrected timestamp, messageId, request_ip; the write key is never kept', async () => {
    const { g, receiver } = await gateway()
    const res = await post(g, '/v1/batch', {
      writeKey: WRITE_KEY,
      sentAt: '2026-11-22T10:00:05.000Z',
      context: { library: { name: 'test' } },
      batch: [{ type: 'track', event: 'A', userId: 'u1', originalTimestamp: '2026-11-22T10:00:00.000Z' }],
    })
    expect(res.status).toBe(200)
    await waitFor(() => receiver.received.length === 1, 'the delivery')
    const delivered = receiver.received[0]!.body as Record<string, unknown>
    const receivedAt = Date.parse(delivered.receivedAt as string)
    // The device clock ran (sentAt - now) ahead: timestamp = receivedAt - 5 s.
    expect(Date.parse(delivered.timestamp as string)).toBe(receivedAt - 5_000)
    expect(delivered.messageId).toMatch(/^[0-9a-f-]{36}$/)
    expect(delivered).toMatchObject({ request_ip: '127.0.0.1', context: { library: { name: 'test' } } })
    expect(JSON.stringify(delivered)).not.toContain(WRITE_KEY)
  })

  it("takes the write key from ?writeKey=, or from the body as Segment's HTTP API allows", async () => {
    const { g, receiver } = await gateway()
    expect((await post(g, `/v1/track?writeKey=${WRITE_KEY}`, event(1), {})).status).toBe(200)
    expect((await post(g, '/v1/batch', { writeKey: WRITE_KEY, batch: [event(2)] }, {})).status).toBe(200)
    expect((await post(g, '/v1/batch', { writeKey: 'wrong', batch: [event(3)] }, {})).status).toBe(401)
    await waitFor(() => receiver.received.length === 2, '2 deliveries')
    expect(JSON.stringify(receiver.received.map((r) => r.body))).not.toContain(WRITE_KEY)
  })

  it('counts a refused batch against its source, every event of it', async () => {
    const { g } = await gateway()
    expect(
      (await post(g, '/v1/batch', { batch: [event(1), event(2, { userId: 7 }), event(3)] })).status,
    ).toBe(400)
    expect(await g.metrics()).toContain('patchbay_events_rejected_total{source="web",reason="invalid"} 3')
  })
})

describe('ingestion: bad input gets a clear 4xx and nothing is stored', () => {
  /** Posts, expects the refusal, and checks the queue did not grow. */
  async function refused(
    g: Awaited<ReturnType<typeof gateway>>['g'],
    path: string,
    body: unknown,
    headers?: Record<string, string>,
  ) {
    const queued = async () => {
      const stats = await g.stats()
      return (
        stats.pendingEvents +
        Object.values(stats.jobs).reduce((n, s) => n + s.waiting + s.retrying + s.in_flight, 0)
      )
    }
    const before = await queued()
    const res = await post(g, path, body, headers)
    expect(await queued()).toBe(before)
    return res
  }

  it('refuses a missing or unknown write key with 401', async () => {
    const { g } = await gateway()
    const missing = await refused(g, '/v1/track', event(1), {})
    expect(missing.status).toBe(401)
    expect(missing.body.error).toMatchObject({
      code: 'PB_GATEWAY_UNAUTHORIZED',
      message: expect.stringContaining('HTTP Basic'),
    })
    const wrong = await refused(g, '/v1/track', event(1), { authorization: basic('nope') })
    expect(wrong.status).toBe(401)
    expect(wrong.body.error.message).not.toContain('nope')
  })

  it('refuses malformed JSON, saying where', async () => {
    const { g } = await gateway()
    const res = await refused(g, '/v1/batch', '{"batch": [', { authorization: basic() })
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({
      code: 'PB_GATEWAY_BODY_INVALID',
      message: expect.stringContaining('not valid JSON'),
    })
  })

  it('refuses a bad gzip body', async () => {
    const { g } = await gateway()
    const res = await refused(g, '/v1/batch', new Uint8Array([1, 2, 3, 4]), {
      authorization: basic(),
      'content-encoding': 'gzip',
    })
    expect(res.status).toBe(400)
    expect(res.body.error.message).toContain('cannot be decompressed')
  })

  it('refuses a whole batch when one event has a wrong type, listing each bad event by index', async () => {
    const { g } = await gateway()
    const res = await refused(g, '/v1/batch', {
      batch: [event(0), event(1, { userId: 42 }), event(2), { type: 'track', messageId: 'm-3', userId: 'u' }],
    })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('PB_EVENT_INVALID')
    expect(res.body.error.message).toMatch(
      /^2 of 4 events are invalid, so none was accepted; event 1 \(m-1\): /,
    )
    expect(
      res.body.error.rejected.map((r: { index: number; messageId: string }) => [r.index, r.messageId]),
    ).toEqual([
      [1, 'm-1'],
      [3, 'm-3'],
    ])
    expect(res.body.error.rejected[0].errors[0].path).toBe('/batch/1/userId')
    expect(await g.metrics()).not.toContain('patchbay_events_accepted_total{')
  })

  it('refuses a call posted to the wrong endpoint', async () => {
    const { g } = await gateway()
    const res = await refused(g, '/v1/identify', event(1))
    expect(res.status).toBe(400)
    expect(res.body.error.message).toContain('post it to /v1/track or /v1/batch')
  })

  it('refuses an event over 32 KB, naming it', async () => {
    const { g } = await gateway()
    const big = event(7, { properties: { blob: 'x'.repeat(33 * 1024) } })
    const res = await refused(g, '/v1/batch', { batch: [event(6), big] })
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({
      code: 'PB_EVENT_TOO_LARGE',
      message: expect.stringContaining('event 1 (m-7)'),
    })
    expect(res.body.error.message).toContain('the limit is 32 KB')
  })

  it('refuses a batch over 500 KB, also when it only gets that big once decompressed', async () => {
    const { g } = await gateway()
    const batch = Array.from({ length: 40 }, (_, i) =>
      event(i, { properties: { blob: 'y'.repeat(15 * 1024) } }),
    )
    const plain = await refused(g, '/v1/batch', { batch })
    expect(plain.status).toBe(400)
    expect(plain.body.error.code).toBe('PB_GATEWAY_BODY_TOO_LARGE')
    const zipped = gzipSync(JSON.stringify({ batch }))
    expect(zipped.length).toBeLessThan(100 * 1024)
    const bomb = await refused(g, '/v1/batch', new Uint8Array(zipped), {
      authorization: basic(),
      'content-encoding': 'gzip',
    })
    expect(bomb.status).toBe(400)
    expect(bomb.body.error.code).toBe('PB_GATEWAY_BODY_TOO_LARGE')
  })

  it('answers 404 for an unknown path and 405 for a GET on an endpoint', async () => {
    const { g } = await gateway()
    expect((await refused(g, '/v2/track', event(1))).status).toBe(404)
    expect((await fetch(`${g.url}/v1/track`)).status).toBe(405)
  })
})

describe('health and metrics', () => {
  it('serves /health with the queue, and /metrics in the Prometheus text format', async () => {
    const { g, receiver } = await gateway()
    await post(g, '/v1/batch', { batch: [event(1), event(2)] })
    await post(g, '/v1/track', event(3), {})
    await waitFor(() => receiver.received.length === 2, '2 deliveries')
    const health = await fetch(`${g.url}/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', queue: { pendingEvents: expect.any(Number) } })
    await waitFor(async () => (await g.metrics()).includes('status="delivered"} 2'), 'the delivered counter')
    const metrics = await fetch(`${g.url}/metrics`)
    expect(metrics.headers.get('content-type')).toContain('text/plain; version=0.0.4')
    const text = await metrics.text()
    expect(text).toContain('patchbay_events_accepted_total{source="web"} 2')
    expect(text).toContain('patchbay_events_rejected_total{source="-",reason="unauthorized"} 1')
    expect(text).toContain('patchbay_deliveries_total{destination="hook",status="delivered"} 2')
    expect(text).toContain('patchbay_delivery_latency_seconds_count{destination="hook"} 2')
    expect(text).toContain('patchbay_ingest_requests_total{endpoint="/v1/batch",status="200"} 1')
  })
})
