import { InvalidEventError } from '@patchbay/core'
import { testContext } from '@patchbay/testing'
import { describe, expect, it } from 'vitest'
import plugin from '../src/index.ts'

const config = {
  endpoint: 'https://api.example.com/v1',
  // #if auth=api-key
  apiKey: 'key_test',
  // #endif
  // #if auth=bearer
  token: 'tok_test',
  // #endif
  // #if auth=basic
  username: 'patchbay',
  password: 'pass_test',
  // #endif
}

// A typed context: the config parsed as the runtime parses it, a quiet logger, a fixed clock.
const ctx = testContext(plugin, config)

describe('{{name}}', () => {
  it('sends a track event to /events with its properties', async () => {
    const request = await plugin.transform(
      {
        type: 'track',
        event: 'Order Completed',
        userId: 'user-1',
        messageId: 'm-1',
        timestamp: '2026-01-01T00:00:00.000Z',
        properties: { total: 42 },
      },
      ctx,
    )
    expect(request).toMatchObject({
      method: 'POST',
      url: 'https://api.example.com/v1/events',
      body: { name: 'Order Completed', user: 'user-1', properties: { total: 42 } },
    })
  })

  it('refuses an identify without a userId, naming the field', async () => {
    const attempt = () =>
      plugin.transform({ type: 'identify', anonymousId: 'anon-1', messageId: 'm-2', traits: {} }, ctx)
    expect(attempt).toThrow(InvalidEventError)
    expect(attempt).toThrow('identify needs a userId')
  })

  // #if batching

  it('sends track events in one bulk request, and identifies one by one', async () => {
    const plan = await plugin.transformBatch!(
      [
        { type: 'track', event: 'Viewed', userId: 'u-1', messageId: 'm-1' },
        { type: 'identify', userId: 'u-2', messageId: 'm-2', traits: { plan: 'pro' } },
        { type: 'track', event: 'Clicked', anonymousId: 'a-3', messageId: 'm-3' },
      ],
      ctx,
    )
    expect(plan).toEqual([
      { request: expect.objectContaining({ method: 'PUT', url: 'https://api.example.com/v1/users/u-2' }), events: [1] },
      {
        request: expect.objectContaining({
          url: 'https://api.example.com/v1/events/bulk',
          body: { events: [expect.objectContaining({ name: 'Viewed' }), expect.objectContaining({ name: 'Clicked', user: 'a-3' })] },
        }),
        events: [0, 2],
      },
    ])
  })
  // #endif
})
