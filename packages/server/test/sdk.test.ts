import { createRequire } from 'node:module'
import RudderAnalytics from '@rudderstack/rudder-sdk-node'
import { Analytics as SegmentAnalytics } from '@segment/analytics-node'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { basic, startReceiver, useGateways, WRITE_KEY, waitFor, webhookPipeline } from './_gateway.ts'
import {
  type DeliveredEvent,
  deliveredOnce,
  rudderBatch,
  type SentBatch,
  type SentEvent,
  skewCorrected,
  tapGateway,
} from './_sdk-wire.ts'

/**
 * The official Node SDKs, unmodified and configured only as their READMEs say (write key and
 * the gateway as host / data plane URL), sending to a real gateway: every call must be
 * accepted, stored and delivered to the webhook exactly once with its fields intact.
 */

const { start, track } = useGateways()
const require = createRequire(import.meta.url)
const RUDDER_VERSION = (require('@rudderstack/rudder-sdk-node/package.json') as { version: string }).version

/** Context every call carries, on top of what the SDK adds (library, ...). */
const CONTEXT = {
  app: { name: 'Patchbay SDK test', version: '1.2.3', build: '42' },
  locale: 'de-CH',
  campaign: { name: 'spring-sale', source: 'newsletter', medium: 'email' },
  device: { id: 'device-7', manufacturer: 'Acme' },
}
/** A call's time set by the caller (a historical import): kept as the event's `timestamp`. */
const IMPORTED_AT = '2026-03-04T05:06:07.089Z'

/** One call of each kind, with distinctive fields; `key` finds it again: type, plus event for track. */
function calls(prefix: string) {
  const userId = `${prefix}-user-1`
  const anonymousId = `${prefix}-anon-1`
  return {
    userId,
    anonymousId,
    track: {
      userId,
      anonymousId,
      event: 'Order Completed',
      properties: {
        orderId: `${prefix}-order-1`,
        revenue: 42.5,
        currency: 'EUR',
        products: [{ sku: 'pb-1', quantity: 2, price: 21.25 }],
        coupon: null,
        nested: { deep: { ok: true, list: [1, 'two', false] } },
        'unicode ✓': 'grüße 🎛️',
      },
      // The client's own IP: kept (the webhook fills context.ip from request_ip only when absent).
      context: { ...CONTEXT, ip: '203.0.113.7' },
    },
    trackImported: {
      userId,
      event: 'Report Exported',
      properties: { format: 'csv', rows: 1200 },
      context: CONTEXT,
      timestamp: new Date(IMPORTED_AT),
    },
    identify: {
      userId,
      anonymousId,
      traits: { email: `${prefix}@example.com`, name: 'Ada Lovelace', plan: 'pro', logins: 7 },
      context: CONTEXT,
    },
    page: {
      anonymousId,
      name: 'Pricing',
      category: 'Docs',
      properties: {
        path: '/pricing',
        url: 'https://patchbay.example/pricing',
        title: 'Pricing',
        referrer: 'https://search.example/?q=patchbay',
      },
      context: CONTEXT,
    },
    screen: {
      userId,
      name: 'Settings',
      properties: { tab: 'billing', dark: true },
      context: CONTEXT,
    },
    group: {
      userId,
      groupId: `${prefix}-acme`,
      traits: { name: 'Acme Inc.', industry: 'Anvils', employees: 42 },
      context: CONTEXT,
    },
    alias: { userId, previousId: anonymousId, context: CONTEXT },
  }
}

const keyOf = (event: Record<string, unknown>) =>
  `${String(event.type)}${event.event ? `:${String(event.event)}` : ''}`
const KEYS = [
  'track:Order Completed',
  'track:Report Exported',
  'identify',
  'page',
  'screen',
  'group',
  'alias',
].sort()

/**
 * What the webhook should get for an event an SDK sent: the event unchanged, plus `extra`
 * (what the gateway adds), and context.ip filled from request_ip by the webhook destination
 * (RudderStack's convention) when the event has none.
 */
function asDelivered(event: SentEvent, extra: Record<string, unknown>) {
  const context = (event.context ?? {}) as Record<string, unknown>
  return {
    ...event,
    ...extra,
    request_ip: '127.0.0.1',
    context: { ...context, ip: context.ip ?? '127.0.0.1' },
  }
}

const isIso = (value: unknown) =>
  typeof value === 'string' && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value

/** A gateway with a webhook receiver, and a tap on the requests the gateway answers. */
async function setup() {
  const receiver = track(await startReceiver())
  const gateway = await start(webhookPipeline(receiver.url))
  const wire = tapGateway(gateway.url)
  onTestFinished(() => {
    wire.close()
  })
  return { receiver, gateway, wire }
}

/**
 * Waits for `sent` to be delivered, then closes the gateway (letting deliveries in flight
 * finish) so that a late duplicate would show, and returns the deliveries by messageId:
 * exactly the messageIds sent, each once.
 */
async function deliveredExactlyOnce(
  { receiver, gateway }: Awaited<ReturnType<typeof setup>>,
  sent: readonly SentEvent[],
): Promise<Map<string, DeliveredEvent>> {
  const ids = sent.map((e) => e.messageId)
  expect(new Set(ids).size, 'the SDK gave every call its own messageId').toBe(ids.length)
  await waitFor(() => receiver.received.length >= ids.length, `${ids.length} deliveries`)
  expect(await gateway.deadLetters.count()).toBe(0)
  await gateway.close()
  const byId = deliveredOnce(receiver.received)
  expect([...byId.keys()].sort()).toEqual([...ids].sort())
  expect(receiver.received.every((d) => d.method === 'POST' && d.path === '/events')).toBe(true)
  return byId
}

describe('@segment/analytics-node, unmodified, against the gateway', () => {
  /** A client pointed at the gateway, recording what it posts and every error it reports. */
  function segment(gatewayUrl: string, flushAt: number) {
    const analytics = new SegmentAnalytics({
      writeKey: WRITE_KEY,
      host: gatewayUrl,
      flushAt,
      flushInterval: 10_000,
      maxRetries: 2,
    })
    const posted: Array<{ url: string; headers: Record<string, string>; body: SentBatch }> = []
    const statuses: number[] = []
    const errors: unknown[] = []
    analytics.on('http_request', (r) =>
      posted.push({ url: r.url, headers: r.headers, body: JSON.parse(r.body) }),
    )
    analytics.on('http_response', (r) => statuses.push(r.status))
    analytics.on('error', (e) => errors.push(e))
    return { analytics, posted, statuses, errors }
  }

  it('track, identify, page, screen, group and alias: one /v1/batch, each delivered once with its fields', async () => {
    const env = await setup()
    const { analytics, posted, statuses, errors } = segment(env.gateway.url, 20)
    const acked = new Map<string, string>()
    const ack = (key: string) => (err?: unknown, ctx?: { event: { messageId?: string } }) => {
      if (err) errors.push(err)
      else acked.set(key, ctx!.event.messageId!)
    }
    const c = calls('seg')
    analytics.track(c.track, ack('track:Order Completed'))
    analytics.track(c.trackImported, ack('track:Report Exported'))
    analytics.identify(c.identify, ack('identify'))
    analytics.page(c.page, ack('page'))
    analytics.screen(c.screen, ack('screen'))
    analytics.group(c.group, ack('group'))
    analytics.alias(c.alias, ack('alias'))
    await analytics.closeAndFlush({ timeout: 15_000 })
    await waitFor(() => acked.size + errors.length === KEYS.length, 'the SDK callbacks')
    expect(errors).toEqual([])
    expect([...acked.keys()].sort()).toEqual(KEYS)

    // The wire: one uncompressed JSON POST to /v1/batch with the write key as Basic auth, answered 200.
    expect(statuses).toEqual([200])
    expect(posted).toHaveLength(1)
    expect(posted[0]!.url).toBe(`${env.gateway.url}/v1/batch`)
    expect(env.wire.requests).toEqual([
      {
        method: 'POST',
        path: '/v1/batch',
        status: 200,
        headers: expect.objectContaining({ authorization: basic(), 'content-type': 'application/json' }),
      },
    ])
    expect(env.wire.requests[0]!.headers['content-encoding']).toBeUndefined()
    const envelope = posted[0]!.body
    expect(envelope).toMatchObject({ writeKey: WRITE_KEY, sentAt: expect.any(String) })
    const sent = envelope.batch
    expect(sent.map(keyOf).sort()).toEqual(KEYS)
    for (const event of sent) expect(event.messageId).toBe(acked.get(keyOf(event)))

    const delivered = await deliveredExactlyOnce(env, sent)
    const library = { name: '@segment/analytics-node', version: analytics.VERSION }
    for (const event of sent) {
      const got = delivered.get(event.messageId)!
      // Everything the SDK sent, unchanged; plus the envelope's sentAt, receivedAt and request_ip.
      // The write key stays out of the events.
      expect(got).toEqual(asDelivered(event, { sentAt: envelope.sentAt, receivedAt: expect.any(String) }))
      expect(got).not.toHaveProperty('writeKey')
      expect(got.context).toEqual({ ...CONTEXT, ip: expect.any(String), library })
      expect(got._metadata).toMatchObject({ nodeVersion: process.version, jsRuntime: 'node' })
      expect(isIso(got.receivedAt) && isIso(got.sentAt) && isIso(got.timestamp)).toBe(true)
      // analytics-node sends `timestamp` (the call's time) and no originalTimestamp: the gateway
      // keeps it as it is, as rudder-server does, so no skew correction applies to these events.
      expect(got.timestamp).toBe(event.timestamp)
      expect(got).not.toHaveProperty('originalTimestamp')
    }
    const get = (key: string) => [...delivered.values()].find((e) => keyOf(e) === key)!
    const { context: _, ...trackFields } = c.track
    expect(get('track:Order Completed')).toMatchObject({ type: 'track', ...trackFields })
    expect(get('track:Report Exported')).toMatchObject({
      type: 'track',
      userId: c.userId,
      properties: c.trackImported.properties,
      timestamp: IMPORTED_AT,
    })
    expect(get('identify')).toMatchObject({
      type: 'identify',
      userId: c.userId,
      anonymousId: c.anonymousId,
      traits: c.identify.traits,
    })
    expect(get('page')).toMatchObject({
      type: 'page',
      anonymousId: c.anonymousId,
      name: 'Pricing',
      category: 'Docs',
      properties: { ...c.page.properties, category: 'Docs' },
    })
    expect(get('screen')).toMatchObject({
      type: 'screen',
      userId: c.userId,
      name: 'Settings',
      properties: c.screen.properties,
    })
    expect(get('group')).toMatchObject({
      type: 'group',
      userId: c.userId,
      groupId: c.group.groupId,
      traits: c.group.traits,
    })
    expect(get('alias')).toMatchObject({ type: 'alias', userId: c.userId, previousId: c.anonymousId })
  })

  it('250 calls go out in several batches; each arrives once', async () => {
    const env = await setup()
    const { analytics, posted, statuses, errors } = segment(env.gateway.url, 50)
    let acked = 0
    for (let n = 0; n < 250; n++)
      analytics.track(
        { userId: `user-${n % 7}`, event: 'Item Viewed', properties: { n, sku: `sku-${n}` } },
        (err) => {
          if (err) errors.push(err)
          else acked++
        },
      )
    await analytics.closeAndFlush({ timeout: 15_000 })
    await waitFor(() => acked + errors.length === 250, 'the SDK callbacks')
    expect(errors).toEqual([])
    expect(posted.length).toBeGreaterThan(1)
    expect(posted.every((p) => p.body.batch.length <= 50)).toBe(true)
    expect(statuses).toEqual(posted.map(() => 200))
    expect(env.wire.requests).toHaveLength(posted.length)
    for (const request of env.wire.requests) {
      expect(request).toMatchObject({ method: 'POST', path: '/v1/batch', status: 200 })
      expect(request.headers['content-encoding']).toBeUndefined()
    }
    const sent = posted.flatMap((p) => p.body.batch.map((event) => ({ event, sentAt: p.body.sentAt })))
    const delivered = await deliveredExactlyOnce(
      env,
      sent.map((s) => s.event),
    )
    expect(
      [...delivered.values()].map((e) => (e.properties as { n: number }).n).sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 250 }, (_, n) => n))
    for (const { event, sentAt } of sent)
      expect(delivered.get(event.messageId)).toEqual(
        asDelivered(event, { sentAt, receivedAt: expect.any(String) }),
      )
  })
})

describe('@rudderstack/rudder-sdk-node, unmodified, against the gateway', () => {
  /** A client pointed at the gateway; `ack` counts callbacks and keeps the batches they report. */
  function rudder(gatewayUrl: string, options: { flushAt: number; gzip?: boolean }) {
    const client = new RudderAnalytics(WRITE_KEY, {
      dataPlaneUrl: gatewayUrl,
      flushAt: options.flushAt,
      flushInterval: 10_000,
      ...(options.gzip === undefined ? {} : { gzip: options.gzip }),
    })
    const batches = new Set<unknown>()
    const errors: unknown[] = []
    let acked = 0
    const ack = (err?: unknown, data?: unknown) => {
      if (err) errors.push(err)
      else {
        acked++
        batches.add(data)
      }
    }
    return {
      client,
      ack,
      errors,
      acked: () => acked,
      /** What the SDK posted: each batch once, as sent. */
      sent: () => [...batches].map(rudderBatch),
    }
  }

  it('track, identify, page, screen, group and alias: gzip /v1/batch, each delivered once with its fields', async () => {
    const env = await setup()
    const { client, ack, errors, acked, sent } = rudder(env.gateway.url, { flushAt: 20 })
    const c = calls('rs')
    client.track(c.track, ack)
    client.track(c.trackImported, ack)
    client.identify(c.identify, ack)
    client.page(c.page, ack)
    client.screen(c.screen, ack)
    client.group(c.group, ack)
    client.alias(c.alias, ack)
    await client.flush()
    await waitFor(() => acked() + errors.length === KEYS.length, 'the SDK callbacks')
    expect(errors).toEqual([])

    // The wire: gzip-compressed JSON POSTs to /v1/batch, write key as Basic auth, all answered
    // 200 (so no retries). The SDK sends its first call alone, at once, and the rest on flush.
    // (axios labels the gzip Buffer application/x-www-form-urlencoded: the gateway ignores
    // Content-Type, as it must for this SDK.)
    const batches = sent()
    expect(env.wire.requests).toHaveLength(batches.length)
    for (const request of env.wire.requests) {
      expect(request).toMatchObject({ method: 'POST', path: '/v1/batch', status: 200 })
      expect(request.headers).toMatchObject({
        authorization: basic(),
        'content-encoding': 'gzip',
        'user-agent': `analytics-node/${RUDDER_VERSION}`,
      })
    }
    const sentEvents = batches.flatMap((b) => b.batch)
    expect(sentEvents.map(keyOf).sort()).toEqual(KEYS)

    const delivered = await deliveredExactlyOnce(env, sentEvents)
    const library = { name: 'analytics-node', version: RUDDER_VERSION }
    for (const event of sentEvents) {
      const got = delivered.get(event.messageId)!
      // Everything the SDK sent, unchanged, plus receivedAt, request_ip and the skew-corrected
      // timestamp: receivedAt − (sentAt − originalTimestamp), unless the call set its own.
      expect(got).toEqual(
        asDelivered(event, {
          receivedAt: expect.any(String),
          timestamp: event.timestamp ?? skewCorrected(got),
        }),
      )
      expect(isIso(got.receivedAt) && isIso(got.sentAt) && isIso(got.originalTimestamp)).toBe(true)
      expect(got).toMatchObject({ channel: 'server', _metadata: { nodeVersion: process.versions.node } })
      expect(got.context).toEqual({
        ...CONTEXT,
        ip: expect.any(String),
        library,
        ...(event.type === 'identify' ? { traits: c.identify.traits } : {}),
      })
    }
    const get = (key: string) => [...delivered.values()].find((e) => keyOf(e) === key)!
    const { context: _, ...trackFields } = c.track
    expect(get('track:Order Completed')).toMatchObject({ type: 'track', ...trackFields })
    expect(get('track:Order Completed').timestamp).toBe(skewCorrected(get('track:Order Completed')))
    expect(get('track:Report Exported')).toMatchObject({
      type: 'track',
      userId: c.userId,
      properties: c.trackImported.properties,
      timestamp: IMPORTED_AT,
    })
    expect(get('identify')).toMatchObject({
      type: 'identify',
      userId: c.userId,
      anonymousId: c.anonymousId,
      traits: c.identify.traits,
    })
    expect(get('page')).toMatchObject({
      type: 'page',
      anonymousId: c.anonymousId,
      name: 'Pricing',
      category: 'Docs',
      properties: c.page.properties,
    })
    expect(get('screen')).toMatchObject({
      type: 'screen',
      userId: c.userId,
      name: 'Settings',
      properties: c.screen.properties,
    })
    expect(get('group')).toMatchObject({
      type: 'group',
      userId: c.userId,
      groupId: c.group.groupId,
      traits: c.group.traits,
    })
    expect(get('alias')).toMatchObject({ type: 'alias', userId: c.userId, previousId: c.anonymousId })
  })

  it('a device clock an hour fast: the gateway corrects timestamp from sentAt', async () => {
    const env = await setup()
    const { client, ack, errors, acked, sent } = rudder(env.gateway.url, { flushAt: 20 })
    // The SDK stamps originalTimestamp and sentAt and posts its first call synchronously,
    // so only it sees the fast clock; the gateway's receivedAt uses the real one.
    const fast = new Date(Date.now() + 3_600_000)
    vi.useFakeTimers({ toFake: ['Date'], now: fast })
    try {
      client.track({ anonymousId: 'rs-skewed', event: 'Clock Skewed' }, ack)
    } finally {
      vi.useRealTimers()
    }
    await client.flush()
    await waitFor(() => acked() + errors.length === 1, 'the SDK callback')
    expect(errors).toEqual([])
    const [event] = sent().flatMap((b) => b.batch)
    expect(event).toMatchObject({ originalTimestamp: fast.toISOString(), sentAt: fast.toISOString() })
    const got = (await deliveredExactlyOnce(env, [event!])).get(event!.messageId)!
    expect(got).toMatchObject({ originalTimestamp: fast.toISOString(), sentAt: fast.toISOString() })
    // sentAt − originalTimestamp is 0, so the call happened when the gateway received it.
    expect(got.timestamp).toBe(got.receivedAt)
    expect(Date.parse(got.receivedAt)).toBeLessThan(fast.getTime())
  })

  it('250 calls go out in several gzip batches; each arrives once', async () => {
    const env = await setup()
    const { client, ack, errors, acked, sent } = rudder(env.gateway.url, { flushAt: 50 })
    for (let n = 0; n < 250; n++)
      client.track({ userId: `user-${n % 7}`, event: 'Item Viewed', properties: { n, sku: `sku-${n}` } }, ack)
    await client.flush()
    await waitFor(() => acked() + errors.length === 250, 'the SDK callbacks')
    expect(errors).toEqual([])
    const batches = sent()
    expect(batches.length).toBeGreaterThan(1)
    expect(batches.every((b) => b.batch.length <= 50)).toBe(true)
    expect(env.wire.requests).toHaveLength(batches.length)
    for (const request of env.wire.requests) {
      expect(request).toMatchObject({ method: 'POST', path: '/v1/batch', status: 200 })
      expect(request.headers['content-encoding']).toBe('gzip')
    }
    const sentEvents = batches.flatMap((b) => b.batch)
    const delivered = await deliveredExactlyOnce(env, sentEvents)
    expect(
      [...delivered.values()].map((e) => (e.properties as { n: number }).n).sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 250 }, (_, n) => n))
    for (const event of sentEvents) {
      const got = delivered.get(event.messageId)!
      expect(got).toEqual(
        asDelivered(event, { receivedAt: expect.any(String), timestamp: skewCorrected(got) }),
      )
    }
  })

  it('with gzip: false, uncompressed batches are accepted too', async () => {
    const env = await setup()
    const { client, ack, errors, acked, sent } = rudder(env.gateway.url, { flushAt: 20, gzip: false })
    const c = calls('rs-plain')
    client.track(c.track, ack)
    client.identify(c.identify, ack)
    client.alias(c.alias, ack)
    await client.flush()
    await waitFor(() => acked() + errors.length === 3, 'the SDK callbacks')
    expect(errors).toEqual([])
    expect(env.wire.requests).toHaveLength(sent().length)
    for (const request of env.wire.requests) {
      expect(request).toMatchObject({ method: 'POST', path: '/v1/batch', status: 200 })
      expect(request.headers['content-encoding']).toBeUndefined()
    }
    const sentEvents = sent().flatMap((b) => b.batch)
    expect(sentEvents.map(keyOf).sort()).toEqual(['alias', 'identify', 'track:Order Completed'])
    const delivered = await deliveredExactlyOnce(env, sentEvents)
    for (const event of sentEvents)
      expect(delivered.get(event.messageId)).toEqual(
        asDelivered(event, {
          receivedAt: expect.any(String),
          timestamp: skewCorrected(delivered.get(event.messageId)!),
        }),
      )
  })
})
