import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { basic, post, startReceiver, useGateways, WRITE_KEY, waitFor } from './_gateway.ts'

const { start, track } = useGateways()
const STRIPE_KEY = 'wk_stripe_0123456789'

const pipeline = (url: string) => `
name: webhooks
sources:
  - id: web
    writeKey: ${WRITE_KEY}
  - id: stripe
    use: "@patchbay/source-webhook@^0"
    writeKey: ${STRIPE_KEY}
    config: { eventNamePath: type, userIdPath: data.customer }
destinations:
  - id: hook
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${url}/events" }
egress: { allow: ["127.0.0.1"] }
`

const invoice = { id: 'evt_1', type: 'invoice.paid', data: { customer: 'cus_42' } }

describe('webhooks through a source plugin: /v1/webhook/<source>', () => {
  it("migrates a source's v1 config to the installed v2 (core's source stage), and redacts its secret in logs and 400s", async () => {
    const receiver = track(await startReceiver())
    const yaml = `
name: migrating
sources:
  - id: tagged
    use: "@acme/source-tagged@^1"
    writeKey: ${STRIPE_KEY}
    config: { tag: from-v1, token: tok-s3cret-value }
destinations:
  - id: hook
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${receiver.url}/events" }
egress: { allow: ["127.0.0.1"] }
`
    // Only @acme/source-tagged@2.0.0 is installed there; v2 renamed `tag` to `label`.
    const g = await start(yaml, {}, fileURLToPath(new URL('./fixtures/migrating/', import.meta.url)))
    expect(g.logs.map((l) => l.message)).toContain(
      'migrated the config of step "sources.tagged" from @acme/source-tagged@1 to @acme/source-tagged@2.0.0 (v1→v2)',
    )
    const auth = { authorization: basic(STRIPE_KEY) }
    expect((await post(g, '/v1/webhook/tagged', { n: 1 }, auth)).status).toBe(200)
    await waitFor(() => receiver.received.length === 1, 'the delivery')
    expect(receiver.received[0]!.body).toMatchObject({
      event: 'Tagged',
      properties: { label: 'from-v1', n: 1 },
    })
    const refused = await post(g, '/v1/webhook/tagged', { fail: true }, auth)
    expect(refused.status).toBe(400)
    expect(JSON.stringify(refused.body)).toContain('token [redacted] refused this body')
    expect(g.logs.map((l) => l.message)).toContain('parsing with token [redacted]')
    expect(JSON.stringify([g.logs, refused.body])).not.toContain('tok-s3cret-value')
  })

  it("turns a post into events with the source's mapping, and delivers them", async () => {
    const receiver = track(await startReceiver())
    const g = await start(pipeline(receiver.url))
    const res = await post(g, '/v1/webhook/stripe', invoice, { authorization: basic(STRIPE_KEY) })
    expect(res.status).toBe(200)
    await waitFor(() => receiver.received.length === 1, 'the delivery')
    expect(receiver.received[0]!.body).toMatchObject({
      type: 'track',
      event: 'invoice.paid',
      userId: 'cus_42',
      properties: invoice,
      request_ip: '127.0.0.1',
    })
    expect(JSON.stringify(receiver.received[0]!.body)).not.toContain(STRIPE_KEY)
    expect(await g.metrics()).toContain('patchbay_events_accepted_total{source="stripe"} 1')
  })

  it('takes the key from ?writeKey= (SaaS webhooks cannot always send Basic auth)', async () => {
    const receiver = track(await startReceiver())
    const g = await start(pipeline(receiver.url))
    expect((await post(g, `/v1/webhook/stripe?writeKey=${STRIPE_KEY}`, invoice, {})).status).toBe(200)
  })

  it("checks the key before it says whether a source exists, and refuses another source's key", async () => {
    const receiver = track(await startReceiver())
    const g = await start(pipeline(receiver.url))
    expect((await post(g, '/v1/webhook/nope', invoice, { authorization: basic('unknown') })).status).toBe(401)
    expect((await post(g, '/v1/webhook/stripe', invoice, { authorization: basic('unknown') })).status).toBe(
      401,
    )
    expect((await post(g, '/v1/webhook/stripe', invoice, { authorization: basic(WRITE_KEY) })).status).toBe(
      401,
    )
    const missing = await post(g, '/v1/webhook/nope', invoice, { authorization: basic(STRIPE_KEY) })
    expect(missing.status).toBe(404)
    expect(missing.body.error.message).toBe('the pipeline has no source "nope"')
    const sdkOnly = await post(g, '/v1/webhook/web', invoice, { authorization: basic(WRITE_KEY) })
    expect(sdkOnly.status).toBe(404)
    expect(sdkOnly.body.error.message).toContain('takes SDK calls only')
    expect(await g.metrics()).not.toContain('reason="invalid"')
  })

  it('refuses a body it cannot read with a 400, storing nothing', async () => {
    const receiver = track(await startReceiver())
    const g = await start(pipeline(receiver.url))
    const res = await post(g, '/v1/webhook/stripe', '{"truncated": ', { authorization: basic(STRIPE_KEY) })
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({
      code: 'PB_GATEWAY_BODY_INVALID',
      message: expect.stringContaining('the body is not valid JSON'),
    })
    expect((await g.stats()).pendingEvents).toBe(0)
    expect(await g.metrics()).not.toContain('patchbay_events_accepted_total{')
  })
})
