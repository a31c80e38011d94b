import { describe, expect, it } from 'vitest'
import { MESSAGE_ID_HEADER } from '../src/index.ts'
import { type FixtureName, fixture, transform } from './_helpers.ts'

const URL = 'https://hooks.example.com/in'

describe('POST, PUT and PATCH send the event as the JSON body', () => {
  for (const method of ['POST', 'PUT', 'PATCH'] as const) {
    it(`${method}: the body is the event, with content-type and the messageId header`, async () => {
      const event = fixture('track')
      const request = await transform(event, { url: URL, method })
      expect(request).toEqual({
        method,
        url: URL,
        headers: { 'content-type': 'application/json', [MESSAGE_ID_HEADER]: 'msg-track-0001' },
        body: JSON.stringify(event),
      })
    })
  }

  it('defaults to POST', async () => {
    expect((await transform(fixture('page'), { url: URL })).method).toBe('POST')
  })

  it('never mutates the input event', async () => {
    const event = fixture('rudder-overrides')
    const copy = structuredClone(event)
    await transform(event, { url: 'https://hooks.example.com' })
    expect(event).toEqual(copy)
  })
})

describe('all six event types', () => {
  const cases: Array<[FixtureName, Record<string, string>]> = [
    ['track', { orderId: '50314b8e9bcf000000000000', 'shipping.address.city': 'Utrecht' }],
    ['identify', { email: 'peter@example.com', 'address.postalCode': '94103', logins: '5' }],
    ['page', { title: 'Welcome | Initech', url: 'https://example.com/?utm=a b' }],
    ['screen', { variation: 'blue signup button', loadTimeMs: '120' }],
    ['group', { name: 'Initech', employees: '329' }],
    ['alias', {}],
  ]
  for (const [name, expected] of cases) {
    it(`${name}: POST carries the whole event; GET carries its fields as the query`, async () => {
      const event = fixture(name)
      const post = await transform(event, { url: URL })
      expect(JSON.parse(post.body as string)).toEqual(event)
      expect(post.headers?.[MESSAGE_ID_HEADER]).toBe(event.messageId)
      const get = await transform(event, { url: URL, method: 'GET' })
      expect(get.body).toBeUndefined()
      expect(get.query ?? {}).toMatchObject(expected)
    })
  }
})

describe('GET and DELETE send no body and flatten fields into dot-path query parameters', () => {
  it('flattens properties: nested keys with dots, arrays with [index], nulls and empty arrays left out', async () => {
    const request = await transform(fixture('track'), { url: URL, method: 'GET' })
    expect(request).toEqual({
      method: 'GET',
      url: URL,
      headers: { [MESSAGE_ID_HEADER]: 'msg-track-0001' },
      query: {
        orderId: '50314b8e9bcf000000000000',
        total: '27.5',
        currency: 'EUR',
        'shipping.method': 'express',
        'shipping.address.city': 'Utrecht',
        'shipping.address.country': 'NL',
        'products[0].sku': '45790-32',
        'products[0].name': 'Monopoly: 3rd Edition',
        'products[0].price': '19',
        'products[0].quantity': '1',
        'products[1].sku': '46493-32',
        'products[1].name': 'Uno Card Game',
        'products[1].price': '3.5',
        'products[1].quantity': '2',
        gift: 'false',
      },
    })
  })

  it('follows the spec example: { k2: { k3: "c" } } becomes k2.k3=c', async () => {
    const event = { ...fixture('track'), properties: { k1: 'a', k2: { k3: 'c', k4: { k5: 'e' } } } }
    const request = await transform(event, { url: URL, method: 'DELETE' })
    expect(request.method).toBe('DELETE')
    expect(request.body).toBeUndefined()
    expect(request.query).toEqual({ k1: 'a', 'k2.k3': 'c', 'k2.k4.k5': 'e' })
  })

  it('uses traits for identify, falling back to context.traits as RudderStack SDKs send them', async () => {
    const own = await transform(fixture('identify'), { url: URL, method: 'GET' })
    expect(own.query).toEqual({
      name: 'Peter Gibbons',
      email: 'peter@example.com',
      plan: 'premium',
      logins: '5',
      'address.street': '6th St',
      'address.city': 'San Francisco',
      'address.state': 'CA',
      'address.postalCode': '94103',
    })
    const fromContext = await transform(fixture('identify-context-traits'), { url: URL, method: 'GET' })
    expect(fromContext.query).toEqual({ email: 'ana@example.com', 'company.name': 'Acme & Co' })
  })

  it('sends an alias (no properties) with no query at all', async () => {
    const request = await transform(fixture('alias'), { url: URL, method: 'GET' })
    expect(request).toEqual({ method: 'GET', url: URL, headers: { [MESSAGE_ID_HEADER]: 'msg-alias-0001' } })
  })
})

describe('form body', () => {
  it('sends the whole event flattened to dot paths, form-urlencoded', async () => {
    const request = await transform(fixture('identify-context-traits'), { url: URL, bodyFormat: 'form' })
    expect(request.headers?.['content-type']).toBe('application/x-www-form-urlencoded')
    expect(request.body).toBe(
      [
        'type=identify',
        'userId=rudder-user-7',
        'messageId=msg-identify-0002',
        'timestamp=2026-01-15T10%3A06%3A00.000Z',
        'request_ip=198.51.100.23',
        'channel=web',
        'context.traits.email=ana%40example.com',
        'context.traits.company.name=Acme+%26+Co',
        'context.library.name=RudderLabs+JavaScript+SDK',
        'context.library.version=3.0.0',
        'context.ip=198.51.100.23',
      ].join('&'),
    )
  })

  it('round-trips through URLSearchParams with array indices', async () => {
    const request = await transform(fixture('track'), { url: URL, method: 'PUT', bodyFormat: 'form' })
    const form = new URLSearchParams(request.body as string)
    expect(form.get('properties.products[1].name')).toBe('Uno Card Game')
    expect(form.get('properties.shipping.address.city')).toBe('Utrecht')
    expect(form.has('properties.coupon')).toBe(false)
  })

  it('is ignored by GET, which sends the query', async () => {
    const request = await transform(fixture('page'), { url: URL, method: 'GET', bodyFormat: 'form' })
    expect(request.body).toBeUndefined()
    expect(request.query?.title).toBe('Welcome | Initech')
  })
})

describe('headers', () => {
  it('sends static headers, lower-cased, and lets them replace content-type', async () => {
    const request = await transform(fixture('track'), {
      url: URL,
      headers: { 'X-Source': 'patchbay', 'Content-Type': 'application/vnd.acme+json' },
    })
    expect(request.headers).toEqual({
      'content-type': 'application/vnd.acme+json',
      [MESSAGE_ID_HEADER]: 'msg-track-0001',
      'x-source': 'patchbay',
    })
  })

  it('omits the messageId header when the event has none', async () => {
    const { messageId: _, ...event } = fixture('track')
    const request = await transform(event, { url: URL })
    expect(request.headers).toEqual({ 'content-type': 'application/json' })
  })
})

describe('context.ip from request_ip', () => {
  it('fills context.ip when it is absent, creating context if needed', async () => {
    const request = await transform(fixture('identify-context-traits'), { url: URL })
    const body = JSON.parse(request.body as string)
    expect(body.context.ip).toBe('198.51.100.23')
    expect(body.context.traits).toEqual({ email: 'ana@example.com', company: { name: 'Acme & Co' } })
    expect(body.request_ip).toBe('198.51.100.23')

    const bare = { type: 'alias', previousId: 'p1', userId: 'u1', request_ip: '192.0.2.1' }
    expect(JSON.parse((await transform(bare, { url: URL })).body as string).context).toEqual({
      ip: '192.0.2.1',
    })
  })

  it('keeps an existing context.ip', async () => {
    const event = { ...fixture('track'), request_ip: '192.0.2.99' }
    const body = JSON.parse((await transform(event, { url: URL })).body as string)
    expect(body.context.ip).toBe('203.0.113.7')
  })
})
