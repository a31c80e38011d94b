import { describe, expect, it } from 'vitest'
import { post, startReceiver, useGateways, waitFor, webhookPipeline } from './_gateway.ts'

const { start, track } = useGateways()

type Body = {
  messageId: string
  context?: { patchbay?: { canonicalId?: string } }
  properties?: {
    person?: { canonicalId: string; identifiers: Record<string, string[]> } | null
    frozen?: boolean
  }
}

describe('lookupIdentity in user code in the gateway', () => {
  it("answers from the gateway's identity graph: an id stitched earlier resolves to the person's canonical id", async () => {
    const receiver = track(await startReceiver())
    const yaml = `${webhookPipeline(receiver.url, {
      transformations: 'transformations:\n  - id: person\n    code: ./test/fixtures/lookup-identity.js',
    })}\nidentity: {}\nsandbox: { poolSize: 1 }\n`
    const g = await start(yaml)
    const delivered = (id: string) =>
      receiver.received.map((r) => r.body as Body).find((b) => b.messageId === id)

    // Anonymous on a laptop, then a login that joins the anonymous id to a user id and an email.
    expect(
      (await post(g, '/v1/track', { anonymousId: 'anon-1', event: 'Viewed', messageId: 'e-1' })).status,
    ).toBe(200)
    await waitFor(() => delivered('e-1') !== undefined, 'e-1 delivered')
    const login = {
      anonymousId: 'anon-1',
      userId: 'user-1',
      traits: { email: 'Ada@Example.com' },
      messageId: 'e-2',
    }
    expect((await post(g, '/v1/identify', login)).status).toBe(200)
    await waitFor(() => delivered('e-2') !== undefined, 'e-2 delivered')

    // A later event looks the anonymous id up by type and value, and an unknown one.
    for (const [messageId, lookup] of [
      ['e-3', 'anonymousId:anon-1'],
      ['e-4', 'userId:nobody'],
    ])
      expect(
        (await post(g, '/v1/track', { userId: 'user-1', event: 'Bought', messageId, properties: { lookup } }))
          .status,
      ).toBe(200)
    await waitFor(
      () => delivered('e-3') !== undefined && delivered('e-4') !== undefined,
      'e-3 and e-4 delivered',
    )

    const e3 = delivered('e-3')!
    const canonicalId = e3.context?.patchbay?.canonicalId
    expect(canonicalId).toMatch(/^[0-9a-f-]{36}$/)
    expect(e3.properties?.person).toEqual({
      canonicalId,
      identifiers: { anonymousId: ['anon-1'], email: ['ada@example.com'], userId: ['user-1'] },
    })
    expect(e3.properties?.frozen).toBe(true)
    expect(delivered('e-2')?.context?.patchbay?.canonicalId).toBe(canonicalId)
    expect(delivered('e-4')?.properties?.person).toBeNull()
  })
})
