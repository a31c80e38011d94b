import { createPipeline, type Outcome, type Pipeline, PluginRegistry, parsePipeline } from '@patchbay/core'
import { afterEach, describe, expect, it } from 'vitest'
import { MESSAGE_ID_HEADER, verifyRequest } from '../src/index.ts'
import { fixture, NOW_MS, webhook } from './_helpers.ts'
import { reply, startReceiver } from './_server.ts'

const SECRET = 'whsec_e2e_0123456789abcdef'
const TOKEN = 'tok_e2e_0123456789'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((close) => close()))
})

async function receiver(handler: Parameters<typeof startReceiver>[0]) {
  const r = await startReceiver(handler)
  cleanup.push(r.close)
  return r
}

/** A pipeline from YAML, with the webhook destination (fixed clock) registered inline. */
async function pipeline(yaml: string): Promise<Pipeline> {
  const loaded = parsePipeline(yaml, { file: 'pipeline.yaml', env: {} })
  const p = await createPipeline(loaded, { registry: new PluginRegistry().add(webhook), record: true })
  cleanup.push(() => p.close())
  return p
}

const brief = (outcomes: Outcome[]) =>
  outcomes.map((o) => `${o.messageId} ${o.status}${o.error ? ` ${o.error.code}` : ''}`)

describe('delivery through createPipeline to a real local server', () => {
  it('delivers templated, authenticated, signed requests that the receiver verifies', async () => {
    const server = await receiver((res, req) => {
      const verdict = verifyRequest(req, req.body, SECRET, { now: () => NOW_MS })
      reply(res, verdict.ok ? 204 : 401, verdict.ok ? '' : verdict.reason)
    })
    const p = await pipeline(`
egress: { allow: ["127.0.0.1"] }
destinations:
  - id: hook
    use: "@patchbay/destination-webhook@*"
    config:
      url: "${server.url}/users/{{userId}}/events"
      auth: { type: bearer, token: "${TOKEN}" }
      headers: { X-Source: patchbay }
      signing: { secret: "${SECRET}" }
`)
    const events = [fixture('track'), fixture('identify'), fixture('group'), fixture('alias')]
    const outcomes = await p.process(events)
    expect(brief(outcomes)).toEqual([
      'msg-track-0001 delivered',
      'msg-identify-0001 delivered',
      'msg-group-0001 delivered',
      'msg-alias-0001 delivered',
    ])
    const byId = new Map(server.received.map((r) => [r.headers[MESSAGE_ID_HEADER], r]))
    const track = byId.get('msg-track-0001')!
    expect(track).toMatchObject({
      method: 'POST',
      url: '/users/user-42/events',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'x-source': 'patchbay',
        'content-type': 'application/json',
      },
    })
    expect(JSON.parse(track.body)).toMatchObject({
      type: 'track',
      event: 'Order Completed',
      messageId: 'msg-track-0001',
    })
    expect(byId.get('msg-alias-0001')!.url).toBe('/users/507f191e81/events')
    // Secrets never reach the recorded exchanges.
    expect(JSON.stringify(outcomes)).not.toContain(TOKEN)
    expect(JSON.stringify(outcomes)).not.toContain(SECRET)
  })

  it('retries a 503 under the core retry policy, and fails a 400 without retrying', async () => {
    let trackAttempts = 0
    const server = await receiver((res, req) => {
      if (req.headers[MESSAGE_ID_HEADER] === 'msg-page-0001') return reply(res, 400, 'bad page')
      trackAttempts++
      reply(res, trackAttempts === 1 ? 503 : 200)
    })
    const p = await pipeline(`
egress: { allow: ["127.0.0.1"] }
destinations:
  - id: hook
    use: "@patchbay/destination-webhook@*"
    config: { url: "${server.url}/in" }
    delivery: { retry: { baseDelayMs: 1, maxAttempts: 3 } }
`)
    const outcomes = await p.process([fixture('track'), fixture('page')])
    expect(brief(outcomes)).toEqual(['msg-track-0001 delivered', 'msg-page-0001 failed PB_DELIVERY_ABORTED'])
    expect(outcomes[0]).toMatchObject({ attempts: 2 })
    expect(outcomes[1]).toMatchObject({ attempts: 1 })
  })

  it('fails an event whose template field is missing and delivers the others', async () => {
    const server = await receiver((res) => reply(res, 200))
    const p = await pipeline(`
egress: { allow: ["127.0.0.1"] }
destinations:
  - id: hook
    use: "@patchbay/destination-webhook@*"
    config: { url: "${server.url}/plans/{{properties.plan}}" }
`)
    const planned = { ...fixture('track'), properties: { plan: 'pro plan' } }
    const outcomes = await p.process([planned, fixture('page')])
    expect(brief(outcomes)).toEqual(['msg-track-0001 delivered', 'msg-page-0001 failed PB_EVENT_INVALID'])
    expect(outcomes[1]!.error!.message).toBe(
      'url template needs {{properties.plan}}, but event msg-page-0001 has no properties.plan',
    )
    expect(server.received.map((r) => r.url)).toEqual(['/plans/pro%20plan'])
  })

  it('sends GET requests with flattened query parameters and an API key in the query', async () => {
    const server = await receiver((res) => reply(res, 200))
    const p = await pipeline(`
egress: { allow: ["127.0.0.1"] }
destinations:
  - id: hook
    use: "@patchbay/destination-webhook@*"
    config:
      url: "${server.url}/collect"
      method: GET
      auth: { type: apiKey, in: query, name: api_key, value: "key_e2e_123456" }
`)
    const event = { ...fixture('track'), properties: { k1: 'a', k2: { k3: 'c' }, list: ['x', 'y'] } }
    expect(brief(await p.process([event]))).toEqual(['msg-track-0001 delivered'])
    const [request] = server.received
    expect(request!.method).toBe('GET')
    expect(request!.body).toBe('')
    const query = new URL(request!.url, server.url).searchParams
    expect([...query]).toEqual([
      ['k1', 'a'],
      ['k2.k3', 'c'],
      ['list[0]', 'x'],
      ['list[1]', 'y'],
      ['api_key', 'key_e2e_123456'],
    ])
  })

  it('batches into JSON arrays within the limits; an oversize event fails alone', async () => {
    const server = await receiver((res) => reply(res, 200))
    const p = await pipeline(`
egress: { allow: ["127.0.0.1"] }
destinations:
  - id: hook
    use: "@patchbay/destination-webhook@*"
    config:
      url: "${server.url}/bulk"
      batch: { enabled: true, maxEvents: 2, maxBytes: 4096 }
      signing: { secret: "${SECRET}" }
`)
    const big = { ...fixture('screen'), messageId: 'msg-big', properties: { blob: 'x'.repeat(5000) } }
    const events = [fixture('track'), fixture('identify'), big, fixture('page'), fixture('alias')]
    const outcomes = await p.process(events)
    expect(brief(outcomes)).toEqual([
      'msg-track-0001 delivered',
      'msg-identify-0001 delivered',
      'msg-big failed PB_EVENT_TOO_LARGE',
      'msg-page-0001 delivered',
      'msg-alias-0001 delivered',
    ])
    const batches = server.received.map((r) =>
      JSON.parse(r.body).map((e: { messageId: string }) => e.messageId),
    )
    expect(batches.flat().sort()).toEqual([
      'msg-alias-0001',
      'msg-identify-0001',
      'msg-page-0001',
      'msg-track-0001',
    ])
    for (const r of server.received) {
      expect(Buffer.byteLength(r.body)).toBeLessThanOrEqual(4096)
      expect(JSON.parse(r.body).length).toBeLessThanOrEqual(2)
      expect(verifyRequest(r, r.body, SECRET, { now: () => NOW_MS })).toMatchObject({
        ok: true,
        version: 'v2',
      })
    }
  })

  it('refuses a batch config that cannot work before any event runs', async () => {
    await expect(
      pipeline(`
destinations:
  - id: hook
    use: "@patchbay/destination-webhook@*"
    config: { url: "https://hooks.example.com", method: GET, batch: { enabled: true } }
`),
    ).rejects.toMatchObject({
      code: 'PB_CONFIG_INVALID',
      message: expect.stringContaining('batch.enabled needs a method that sends a body'),
    })
  })
})
