import { compileConfig, type InboundRequest, isPatchbayError } from '@patchbay/core'
import { validateEvent } from '@patchbay/protocol'
import { describe, expect, it } from 'vitest'
import { createWebhookSource, WebhookSourceConfigSchema } from '../src/index.ts'

const ids = () => {
  let n = 0
  return () => `anon-${++n}`
}
const source = () => createWebhookSource({ newId: ids() })
const config = (c: Record<string, unknown> = {}) => compileConfig(WebhookSourceConfigSchema).parse(c)
const request = (body: unknown, extra: Partial<InboundRequest> = {}): InboundRequest => ({
  method: 'POST',
  url: '/v1/webhook/stripe?account=acme',
  headers: {
    'content-type': 'application/json',
    authorization: 'Bearer sk_live_123',
    'x-event': 'charge.succeeded',
  },
  query: { account: 'acme' },
  body,
  ...extra,
})
const run = async (body: unknown, c: Record<string, unknown> = {}, extra: Partial<InboundRequest> = {}) => {
  const plugin = source()
  return plugin.parse(request(body, extra), {
    config: config(c),
    logger: console,
    plugin: 'source-webhook',
  } as never)
}
const failure = async (
  body: unknown,
  c: Record<string, unknown> = {},
  extra: Partial<InboundRequest> = {},
) => {
  try {
    await run(body, c, extra)
  } catch (error) {
    if (isPatchbayError(error)) return error
    throw error
  }
  throw new Error('expected parse to fail')
}

describe('default mapping', () => {
  it('makes a track event webhook_source_event with the body as properties and a generated anonymousId', async () => {
    const { events, response } = await run({ id: 'evt_1', amount: 1200 })
    expect(events).toEqual([
      {
        type: 'track',
        event: 'webhook_source_event',
        anonymousId: 'anon-1',
        properties: { id: 'evt_1', amount: 1200 },
        context: { library: { name: '@patchbay/source-webhook', version: '0.0.0' } },
      },
    ])
    expect(response).toEqual({ status: 200, body: { ok: true, events: 1 } })
    expect(validateEvent(events[0]).ok).toBe(true)
  })

  it('parses a raw string body too', async () => {
    const { events } = await run('{"a":1}')
    expect(events[0]).toMatchObject({ properties: { a: 1 } })
  })

  it('wraps a scalar or an unsplit array body as { value }', async () => {
    expect((await run([1, 2])).events[0]).toMatchObject({ properties: { value: [1, 2] } })
    expect((await run(42)).events[0]).toMatchObject({ properties: { value: 42 } })
  })
})

describe('options', () => {
  it('takes the event name from a JSON path, then a header, then the default', async () => {
    expect((await run({ type: 'invoice.paid' }, { eventNamePath: 'type' })).events[0]).toMatchObject({
      event: 'invoice.paid',
    })
    expect((await run({}, { eventNamePath: 'type', eventNameHeader: 'X-Event' })).events[0]).toMatchObject({
      event: 'charge.succeeded',
    })
    expect((await run({}, { eventNamePath: 'type', eventName: 'Fallback' })).events[0]).toMatchObject({
      event: 'Fallback',
    })
  })

  it('takes userId and anonymousId from JSON paths, numbers included', async () => {
    const body = { data: { user: { id: 42 }, visitors: [{ id: 'v-9' }] } }
    const { events } = await run(body, { userIdPath: 'data.user.id', anonymousIdPath: 'data.visitors[0].id' })
    expect(events[0]).toMatchObject({ userId: '42', anonymousId: 'v-9' })
    const missing = await run({}, { userIdPath: 'data.user.id' })
    expect(missing.events[0]).not.toHaveProperty('userId')
    expect(missing.events[0]).toMatchObject({ anonymousId: 'anon-1' })
  })

  it('reads keys with dots through bracket paths', async () => {
    const { events } = await run({ 'user.id': 'u-7' }, { userIdPath: '["user.id"]' })
    expect(events[0]).toMatchObject({ userId: 'u-7' })
  })

  it('makes one event per element of an array body with splitArray', async () => {
    const { events, response } = await run(
      [
        { kind: 'a', uid: 'u1' },
        { kind: 'b', uid: 'u2' },
      ],
      { splitArray: true, eventNamePath: 'kind', userIdPath: 'uid' },
    )
    expect(events.map((e) => [(e as { event: string }).event, (e as { userId: string }).userId])).toEqual([
      ['a', 'u1'],
      ['b', 'u2'],
    ])
    expect(response?.body).toEqual({ ok: true, events: 2 })
  })

  it('copies method, URL, headers and query into context.request, never credentials', async () => {
    const { events } = await run(
      {},
      { includeRequest: true },
      { headers: { ...request({}).headers, cookie: 'sid=1' } },
    )
    expect((events[0] as { context: { request: unknown } }).context.request).toEqual({
      method: 'POST',
      url: '/v1/webhook/stripe?account=acme',
      headers: { 'content-type': 'application/json', 'x-event': 'charge.succeeded' },
      query: { account: 'acme' },
    })
  })
})

describe('bad requests get a clear error and no events', () => {
  it('refuses a body that is not JSON', async () => {
    const error = await failure('{"a":', {})
    expect(error.code).toBe('PB_EVENT_INVALID')
    expect(error.message).toMatch(/^the request body is not JSON \(/)
    expect(error.details).toEqual({ status: 400 })
  })

  it('refuses an empty body', async () => {
    expect((await failure(undefined)).message).toBe('the request has no body; send a JSON object or array')
  })

  it('refuses a body over maxBodyBytes, measured on the raw bytes', async () => {
    const raw = new TextEncoder().encode(JSON.stringify({ pad: 'x'.repeat(2000) }))
    const error = await failure({ pad: 'x'.repeat(2000) }, { maxBodyBytes: 1024 }, { rawBody: raw })
    expect(error.code).toBe('PB_EVENT_TOO_LARGE')
    expect(error.message).toBe(`the request body is ${raw.byteLength} bytes, more than maxBodyBytes (1024)`)
  })

  it('refuses a malformed path in the config, naming the field', async () => {
    const error = await failure({}, { userIdPath: 'data..id' })
    expect(error.code).toBe('PB_CONFIG_INVALID')
    expect(error.message).toContain('userIdPath "data..id" is not a valid path')
  })
})
