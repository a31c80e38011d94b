import { describe, expect, it } from 'vitest'
import { post, startReceiver, useGateways, waitFor, webhookPipeline } from './_gateway.ts'

const { start, track } = useGateways()

describe('the gateway, end to end', () => {
  it('accepts a track call and delivers it to the webhook with its fields and messageId header', async () => {
    const receiver = track(await startReceiver())
    const gateway = await start(webhookPipeline(receiver.url))
    const res = await post(gateway, '/v1/track', {
      userId: 'ada',
      event: 'Signed Up',
      properties: { plan: 'pro' },
      messageId: 'm-1',
    })
    expect(res).toMatchObject({ status: 200, body: { success: true } })
    await waitFor(() => receiver.received.length === 1, 'the delivery')
    const [delivered] = receiver.received
    expect(delivered!.headers['x-patchbay-message-id']).toBe('m-1')
    expect(delivered!.body).toMatchObject({
      type: 'track',
      userId: 'ada',
      event: 'Signed Up',
      properties: { plan: 'pro' },
      messageId: 'm-1',
      receivedAt: expect.any(String),
      request_ip: '127.0.0.1',
    })
  })

  it('drops context.patchbay from what clients send: a forged canonical id or identity stamp is not delivered', async () => {
    const receiver = track(await startReceiver())
    const gateway = await start(webhookPipeline(receiver.url))
    const forged = {
      canonicalId: 'someone-else',
      identity: { canonicalId: 'x', merged: [{ from: 'a', to: 'x' }] },
    }
    const res = await post(gateway, '/v1/batch', {
      batch: [
        {
          type: 'track',
          userId: 'ada',
          event: 'A',
          messageId: 'm-1',
          context: { locale: 'en', patchbay: forged },
        },
        { type: 'identify', userId: 'ada', messageId: 'm-2', context: { patchbay: forged } },
      ],
    })
    expect(res).toMatchObject({ status: 200 })
    await waitFor(() => receiver.received.length === 2, 'the deliveries')
    const contexts = receiver.received.map((r) => (r.body as { context?: unknown }).context)
    expect(contexts).toEqual([{ locale: 'en', ip: '127.0.0.1' }, { ip: '127.0.0.1' }])
  })
})
