import { InvalidEventError } from '@patchbay/core'
import { describe, expect, it } from 'vitest'
import { MESSAGE_ID_HEADER } from '../src/index.ts'
import { fixture, transform, transformError } from './_helpers.ts'

const URL = 'https://hooks.example.com/v1'

describe('RudderStack per-event overrides: fullPath, appendPath, header', () => {
  it('appends appendPath, adds header (non-strings stringified, nulls skipped), and removes all three from the body', async () => {
    const request = await transform(fixture('rudder-overrides'), { url: URL })
    expect(request.url).toBe('https://hooks.example.com/v1/tickets/open?source=app')
    expect(request.headers).toEqual({
      'content-type': 'application/json',
      [MESSAGE_ID_HEADER]: 'msg-rudder-0001',
      'x-tenant': 'acme',
      'x-retry-count': '3',
      'x-debug': 'true',
      'x-meta': '{"a":1}',
    })
    const body = JSON.parse(request.body as string)
    expect(body).not.toHaveProperty('appendPath')
    expect(body).not.toHaveProperty('header')
    expect(body).not.toHaveProperty('fullPath')
    expect(body).toMatchObject({ event: 'Ticket Opened', properties: { priority: 'high' } })
  })

  it('replaces the URL with fullPath, then appends appendPath', async () => {
    const event = {
      ...fixture('track'),
      fullPath: 'https://hooks.example.com/tenants/acme',
      appendPath: '/orders',
    }
    const request = await transform(event, { url: URL })
    expect(request.url).toBe('https://hooks.example.com/tenants/acme/orders')
    const body = JSON.parse(request.body as string)
    expect(Object.keys(body)).not.toContain('fullPath')
    expect(Object.keys(body)).not.toContain('appendPath')
  })

  it('takes fullPath and appendPath from integrations.webhook when the event has none', async () => {
    const event = {
      ...fixture('track'),
      integrations: { All: true, Webhook: { appendPath: '/from-integrations' } },
    }
    expect((await transform(event, { url: URL })).url).toBe('https://hooks.example.com/v1/from-integrations')
    const both = { ...event, appendPath: '/own' }
    expect((await transform(both, { url: URL })).url).toBe('https://hooks.example.com/v1/own')
  })

  it('lets event headers override static headers, but never the auth or signature headers', async () => {
    const event = {
      ...fixture('track'),
      header: { 'X-Source': 'event', Authorization: 'Bearer forged', 'Patchbay-Signature': 't=1,v1=00' },
    }
    const request = await transform(event, {
      url: URL,
      headers: { 'X-Source': 'static' },
      auth: { type: 'bearer', token: 'tok_live_0123456789' },
      signing: { secret: 'whsec_test_0123456789abcdef' },
    })
    expect(request.headers?.['x-source']).toBe('event')
    expect(request.headers?.authorization).toBe('Bearer tok_live_0123456789')
    expect(request.headers?.['patchbay-signature']).toMatch(/^t=\d+,v2=[0-9a-f]{64}$/)
  })

  it('refuses, by default (same-origin), a fullPath on another origin: credentials must not follow it', async () => {
    const event = { ...fixture('track'), fullPath: 'https://attacker.example.net/collect' }
    const error = await transformError(event, {
      url: URL,
      auth: { type: 'bearer', token: 'tok_live_0123456789' },
    })
    expect(error).toBeInstanceOf(InvalidEventError)
    expect(error).toMatchObject({
      message:
        'fullPath in event msg-track-0001 points at https://attacker.example.net, but eventOverrides is same-origin and the configured URL is on https://hooks.example.com',
      location: { field: '/fullPath', messageId: 'msg-track-0001' },
      hint: expect.stringContaining('eventOverrides: any-origin'),
    })
    expect(JSON.stringify(error)).not.toContain('tok_live_0123456789')
  })

  it('refuses an appendPath that smuggles in another host (userinfo trick)', async () => {
    const event = { ...fixture('track'), appendPath: '@attacker.example.net/x' }
    const error = await transformError(event, { url: 'https://hooks.example.com' })
    expect(error).toMatchObject({ code: 'PB_EVENT_INVALID', location: { field: '/appendPath' } })
  })

  it('allows another origin with eventOverrides: any-origin', async () => {
    const event = { ...fixture('track'), fullPath: 'https://tenant-7.example.org/in' }
    const request = await transform(event, { url: URL, eventOverrides: 'any-origin' })
    expect(request.url).toBe('https://tenant-7.example.org/in')
  })

  it('treats the fields as ordinary data with eventOverrides: off', async () => {
    const event = fixture('rudder-overrides')
    const request = await transform(event, { url: URL, eventOverrides: 'off' })
    expect(request.url).toBe(URL)
    expect(request.headers).not.toHaveProperty('x-tenant')
    expect(JSON.parse(request.body as string)).toMatchObject({
      appendPath: event.appendPath,
      header: event.header,
    })
  })

  it('fails events whose overrides are unusable, naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ fullPath: 42 }, '/fullPath', 'fullPath must be a string, not number in event msg-track-0001'],
      [
        { fullPath: 'not a url' },
        '/fullPath',
        'fullPath in event msg-track-0001 does not make an absolute http(s) URL',
      ],
      [
        { fullPath: 'ftp://hooks.example.com/x' },
        '/fullPath',
        'fullPath in event msg-track-0001 does not make an absolute http(s) URL',
      ],
      [
        { header: 'x' },
        '/header',
        '`header` must be an object of header names to values in event msg-track-0001',
      ],
      [
        { header: { 'bad name': 'x' } },
        '/header/bad name',
        'header name "bad name" is not a valid HTTP header name in event msg-track-0001',
      ],
      [
        { header: { 'X-Inject': 'a\r\nSet-Cookie: x' } },
        '/header/X-Inject',
        'header X-Inject holds a line break or control character in event msg-track-0001',
      ],
    ]
    for (const [extra, field, message] of cases) {
      const error = await transformError({ ...fixture('track'), ...extra }, { url: URL })
      expect(error, JSON.stringify(extra)).toMatchObject({
        code: 'PB_EVENT_INVALID',
        message,
        location: { field },
      })
    }
  })

  it('ignores null overrides, as RudderStack does', async () => {
    const event = { ...fixture('track'), fullPath: null, header: null }
    const request = await transform(event, { url: URL })
    expect(request.url).toBe(URL)
    expect(JSON.parse(request.body as string)).not.toHaveProperty('fullPath')
  })
})
