import type { InboundRequest } from '@patchbay/core'
import { testContext } from '@patchbay/testing'
import { describe, expect, it } from 'vitest'
import plugin from '../src/index.ts'

const config = { eventName: 'Webhook Received' }
// A typed context: the config parsed as the runtime parses it, a quiet logger, a fixed clock.
const ctx = testContext(plugin, config)
const post = (body: unknown): InboundRequest => ({
  method: 'POST',
  url: '/v1/webhook/{{name}}',
  headers: { 'content-type': 'application/json' },
  query: {},
  body,
})

describe('{{name}}', () => {
  it('turns every submission of an array into a track event', async () => {
    const result = await plugin.parse(
      post([{ event: 'Signed Up', userId: 'u-1' }, { anonymousId: 'a-2', properties: { plan: 'pro' } }]),
      ctx,
    )
    expect(result.events).toEqual([
      expect.objectContaining({ type: 'track', event: 'Signed Up', userId: 'u-1' }),
      expect.objectContaining({ type: 'track', event: 'Webhook Received', anonymousId: 'a-2', properties: { plan: 'pro' } }),
    ])
    expect(result.response).toEqual({ status: 202, body: { accepted: 2 } })
  })

  it('refuses the whole request when one submission has no user, naming it', async () => {
    const parse = () => plugin.parse(post([{ userId: 'u-1' }, { event: 'Orphan' }]), ctx)
    expect(parse).toThrow('/1 needs a userId or an anonymousId')
  })
})
