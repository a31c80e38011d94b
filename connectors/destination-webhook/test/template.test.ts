import { InvalidEventError } from '@patchbay/core'
import { describe, expect, it } from 'vitest'
import { fixture, transform, transformError } from './_helpers.ts'

describe('url templates', () => {
  it('fills {{userId}} and nested {{properties.x}} placeholders', async () => {
    const request = await transform(fixture('track'), {
      url: 'https://api.example.com/users/{{userId}}/orders/{{ properties.orderId }}?ship={{properties.shipping.method}}',
    })
    expect(request.url).toBe(
      'https://api.example.com/users/user-42/orders/50314b8e9bcf000000000000?ship=express',
    )
  })

  it('URL-encodes each substituted value', async () => {
    const event = { ...fixture('track'), userId: 'a b/c?d&e=f#g%h', properties: { name: 'Zoë 🎉' } }
    const request = await transform(event, {
      url: 'https://api.example.com/u/{{userId}}?n={{properties.name}}',
    })
    expect(request.url).toBe(
      'https://api.example.com/u/a%20b%2Fc%3Fd%26e%3Df%23g%25h?n=Zo%C3%AB%20%F0%9F%8E%89',
    )
  })

  it('writes numbers and booleans as text, and indexes arrays with numeric segments', async () => {
    const request = await transform(fixture('track'), {
      url: 'https://api.example.com/{{properties.total}}/{{properties.gift}}/{{properties.products.1.sku}}',
    })
    expect(request.url).toBe('https://api.example.com/27.5/false/46493-32')
  })

  it('fails a missing field with InvalidEventError naming the field and the messageId', async () => {
    const error = await transformError(fixture('track'), {
      url: 'https://api.example.com/plans/{{properties.plan}}',
    })
    expect(error).toBeInstanceOf(InvalidEventError)
    expect(error).toMatchObject({
      code: 'PB_EVENT_INVALID',
      message: 'url template needs {{properties.plan}}, but event msg-track-0001 has no properties.plan',
      location: { field: '/properties/plan', messageId: 'msg-track-0001' },
    })
  })

  it('treats null and empty strings as missing', async () => {
    const nullCoupon = await transformError(fixture('track'), {
      url: 'https://api.example.com/c/{{properties.coupon}}',
    })
    expect(nullCoupon).toMatchObject({ message: expect.stringContaining('has no properties.coupon') })
    const empty = await transformError(
      { ...fixture('track'), userId: '' },
      { url: 'https://api.example.com/u/{{userId}}' },
    )
    expect(empty).toMatchObject({ message: expect.stringContaining('has an empty userId') })
  })

  it('refuses a placeholder that points at an object', async () => {
    const error = await transformError(fixture('track'), {
      url: 'https://api.example.com/{{properties.shipping}}',
    })
    expect(error).toMatchObject({
      code: 'PB_EVENT_INVALID',
      message:
        'url template {{properties.shipping}} must point at a string, number or boolean, but in event msg-track-0001 it is an object',
    })
  })

  it('does not read inherited properties such as constructor', async () => {
    const error = await transformError(fixture('track'), {
      url: 'https://api.example.com/{{properties.constructor}}',
    })
    expect(error).toBeInstanceOf(InvalidEventError)
  })
})
