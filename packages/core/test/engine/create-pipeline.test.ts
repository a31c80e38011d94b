import { afterEach, describe, expect, it } from 'vitest'
import {
  createDeliverer,
  createMemoryTransport,
  createPipeline,
  type Outcome,
  type Pipeline,
  resolveDeliveryOptions,
  summarizeOutcomes,
  type WireRequest,
} from '../../src/index.ts'
import { reply, startServer } from '../_server.ts'
import { rejected } from '../_thrown.ts'
import { pipeline, registry } from './_plugins.ts'

const open: Pipeline[] = []
const servers: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all([...open.splice(0).map((p) => p.close()), ...servers.splice(0).map((s) => s.close())])
})

/** A pipeline whose destinations answer from memory; returns what they were sent. */
async function inMemory(
  yaml: string,
  respond: (r: WireRequest) => { status: number; body?: unknown } = () => ({ status: 200 }),
) {
  const sent: Array<{ destination: string; request: WireRequest }> = []
  const p = await createPipeline(pipeline(yaml), {
    registry: registry(),
    createDeliverer: (dest) =>
      createDeliverer({
        transport: createMemoryTransport((request) => {
          sent.push({ destination: dest.id, request })
          const { status, body } = respond(request)
          return { status, headers: {}, body }
        }),
        options: resolveDeliveryOptions({ retry: { maxAttempts: 1 } }),
        label: dest.label,
        redactor: dest.redactor,
      }),
  })
  open.push(p)
  return { p, sent }
}

const track = (event: string, extra: Record<string, unknown> = {}) => ({
  type: 'track',
  event,
  userId: 'u1',
  messageId: `m-${event}`,
  ...extra,
})
const brief = (outcomes: Outcome[]) =>
  outcomes.map((o) =>
    [
      o.messageId ?? `#${o.index}`,
      o.destination,
      o.status,
      o.step ?? '',
      o.reason ?? o.error?.code ?? '',
    ].join(' '),
  )

const TWO_DESTINATIONS = `
name: test
transformations:
  - id: enrich
    use: "@test/transformation-enrich@^1"
    config: { tag: t1 }
destinations:
  - id: crm
    use: "@test/destination-collect@1"
    config: { url: "https://crm.example/in", token: "tok_secret_1234" }
  - id: tracks
    use: "@test/destination-collect@1"
    config: { url: "https://tracks.example/in", token: "tok_other_5678" }
    filter: { types: [track], events: ["Signed Up"] }
`

describe('createPipeline: every event gets an outcome per destination', () => {
  it('delivers, drops (filter, integrations, transformation, null) and fails, saying where and why', async () => {
    const { p, sent } = await inMemory(TWO_DESTINATIONS)
    const outcomes = await p.process([
      track('Signed Up'),
      track('Noise'),
      track('Viewed', { integrations: { All: false, Collect: true } }),
      track('Muted', { integrations: { crm: false } }),
      track('Skip'),
      track('Explode'),
      { type: 'page', userId: 'u1', messageId: 'm-page' },
      { type: 'track', userId: 'u1', messageId: 'm-invalid' },
      track('Crash'),
      track('Broken'),
    ])
    expect(brief(outcomes)).toEqual([
      'm-Signed Up crm delivered  ',
      'm-Noise crm dropped transformations.enrich returned null',
      'm-Viewed crm delivered  ',
      'm-Muted crm dropped destinations.crm integrations',
      'm-Skip crm dropped destinations.crm destination returned null',
      'm-Explode crm failed destinations.crm PB_EVENT_INVALID',
      'm-page crm failed destinations.crm PB_EVENT_UNSUPPORTED',
      'm-invalid crm failed validate PB_EVENT_INVALID',
      'm-Crash crm failed transformations.enrich PB_TRANSFORM_FAILED',
      'm-Broken crm failed transformations.enrich PB_TRANSFORM_INVALID_OUTPUT',
      'm-Signed Up tracks delivered  ',
      'm-Noise tracks dropped transformations.enrich returned null',
      'm-Viewed tracks dropped destinations.tracks filter',
      'm-Muted tracks dropped destinations.tracks filter',
      'm-Skip tracks dropped destinations.tracks filter',
      'm-Explode tracks dropped destinations.tracks filter',
      'm-page tracks dropped destinations.tracks filter',
      'm-invalid tracks failed validate PB_EVENT_INVALID',
      'm-Crash tracks failed transformations.enrich PB_TRANSFORM_FAILED',
      'm-Broken tracks failed transformations.enrich PB_TRANSFORM_INVALID_OUTPUT',
    ])
    expect(sent.map((s) => `${s.destination} ${JSON.parse(s.request.body!).id}`).sort()).toEqual([
      'crm m-Signed Up',
      'crm m-Viewed',
      'tracks m-Signed Up',
    ])
    const invalid = outcomes.find((o) => o.messageId === 'm-invalid')!
    expect(invalid.error!.message).toBe(
      'event #8 (m-invalid) is not a valid event: track event needs `event` (a non-empty string) at /event',
    )
    const broken = outcomes.find((o) => o.messageId === 'm-Broken')!
    expect(broken.error!.message).toBe(
      'transformations.enrich returned an invalid event for m-Broken: event `type` must be one of track, identify, page, screen, group, alias, got "nonsense" (a string), at /type',
    )
    const unsupported = outcomes.find((o) => o.messageId === 'm-page')!
    expect(unsupported.error!.message).toBe(
      'destinations.crm (@test/destination-collect@1.0.0) does not support page events',
    )
  })

  it('fans out: one input, two requests, one outcome', async () => {
    const { p, sent } = await inMemory(TWO_DESTINATIONS)
    const outcomes = await p.process([track('Split')])
    expect(brief(outcomes)).toEqual([
      'm-Split crm delivered  ',
      'm-Split tracks dropped destinations.tracks filter',
    ])
    expect(outcomes[0]).toMatchObject({ requests: 2, attempts: 2 })
    expect(sent).toHaveLength(2)
  })

  it('normalises events on the way in and passes transformation output to destinations', async () => {
    const { p, sent } = await inMemory(TWO_DESTINATIONS)
    await p.process([{ type: 'identify', anonymousId: 'a1', traits: { plan: 'pro' } }])
    const body = JSON.parse(sent[0]!.request.body!)
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(sent[0]!.request.headers.authorization).toBe('Bearer tok_secret_1234')
  })

  it('never puts a secret in an outcome, even when a plugin leaks it into an error', async () => {
    const { p } = await inMemory(TWO_DESTINATIONS)
    const outcomes = await p.process([track('Leak')])
    expect(outcomes[0]!.error!.message).toBe(
      'destinations.crm (@test/destination-collect@1.0.0) failed: token [redacted] leaked',
    )
    expect(JSON.stringify(outcomes)).not.toContain('tok_secret_1234')
  })

  it('reports delivery failures per event, with retryable or aborted', async () => {
    const { p } = await inMemory(TWO_DESTINATIONS, (r) => ({ status: r.url.includes('crm') ? 400 : 503 }))
    const outcomes = await p.process([track('Signed Up')])
    expect(outcomes.map((o) => [o.destination, o.error?.code, o.error?.retryable])).toEqual([
      ['crm', 'PB_DELIVERY_ABORTED', false],
      ['tracks', 'PB_DELIVERY_EXHAUSTED', false],
    ])
    expect(outcomes[1]!.error!.message).toBe(
      'destinations.tracks: gave up after 1 attempt over 0.0 s; last error: destinations.tracks: the destination answered 503; it will be retried',
    )
    expect(summarizeOutcomes(1, outcomes).destinations.crm).toEqual({
      delivered: 0,
      dropped: 0,
      failed: 1,
      reasons: { 'PB_DELIVERY_ABORTED at destinations.crm': 1 },
    })
  })
})

describe('batching destinations', () => {
  const BATCH = `
destinations:
  - id: bulk
    use: "@test/destination-batch"
    config: { url: "https://bulk.example/in", maxEvents: 2 }
`
  it('chunks by maxEvents, fails a bad event alone, and honours per-event verdicts', async () => {
    let call = 0
    const { p, sent } = await inMemory(BATCH, () =>
      ++call === 1 ? { status: 200, body: { results: ['ok', 'rejected'] } } : { status: 200 },
    )
    const outcomes = await p.process([
      track('A'),
      track('B'),
      track('C', { properties: { bad: true } }),
      track('D'),
      track('E'),
    ])
    expect(sent.map((s) => JSON.parse(s.request.body!).map((e: { event: string }) => e.event))).toEqual([
      ['A', 'B'],
      ['D'],
      ['E'],
    ])
    expect(brief(outcomes)).toEqual([
      'm-A bulk delivered  ',
      'm-B bulk failed destinations.bulk PB_DELIVERY_ABORTED',
      'm-C bulk failed destinations.bulk PB_EVENT_INVALID',
      'm-D bulk delivered  ',
      'm-E bulk delivered  ',
    ])
  })
})

describe('createPipeline over real HTTP', () => {
  it('delivers to a local server through undici, with the egress allowlist', async () => {
    const s = await startServer((res, n) => reply(res, n === 1 ? 500 : 200))
    servers.push(s)
    const yaml = `
egress: { allow: ["127.0.0.1"] }
destinations:
  - id: hook
    use: "@test/destination-collect@1"
    config: { url: "${s.url}/hook", token: "tok_secret_1234" }
    delivery: { retry: { baseDelayMs: 1 } }
`
    const p = await createPipeline(pipeline(yaml), { registry: registry(), record: true })
    open.push(p)
    const [outcome] = await p.process([track('Signed Up')])
    expect(outcome).toMatchObject({ status: 'delivered', requests: 1, attempts: 2 })
    expect(s.received.map((r) => r.url)).toEqual(['/hook', '/hook'])
    const exchanges = outcome!.exchanges as Array<{
      request: { headers: Record<string, string> }
      response: { status: number }
    }>
    expect(exchanges.map((e) => e.response.status)).toEqual([500, 200])
    expect(exchanges[0]!.request.headers.authorization).toBe('[redacted]')
  })

  it('refuses a private destination when egress does not allow it', async () => {
    const s = await startServer((res) => reply(res, 200))
    servers.push(s)
    const yaml = `
destinations:
  - id: hook
    use: "@test/destination-collect@1"
    config: { url: "${s.url}/hook", token: "tok_secret_1234" }
`
    const p = await createPipeline(pipeline(yaml), { registry: registry() })
    open.push(p)
    const [outcome] = await p.process([track('Signed Up')])
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'PB_EGRESS_DENIED', retryable: false } })
    expect(s.received).toHaveLength(0)
  })
})

describe('createPipeline: bad pipelines fail before any event runs', () => {
  it('names the file, line and field of a bad plugin config', async () => {
    const yaml = `destinations:
  - id: crm
    use: "@test/destination-collect@1"
    config:
      url: { not: a string }
`
    const error = await rejected(createPipeline(pipeline(yaml), { registry: registry() }))
    expect(error.code).toBe('PB_CONFIG_INVALID')
    expect(error.message).toContain('url must be a string (/virtual/pipeline.yaml:5:7)')
    expect(error.message).toContain('token is required (/virtual/pipeline.yaml:4:5)')
  })

  it('names the line of a plugin that is not installed', async () => {
    const yaml = `destinations:
  - id: crm
    use: "@acme/nowhere@1"
`
    const error = await rejected(createPipeline(pipeline(yaml), { registry: registry() }))
    expect(error.code).toBe('PB_PLUGIN_NOT_FOUND')
    expect(error.message).toMatch(/^\/virtual\/pipeline\.yaml:3:\d+: /)
  })

  it('refuses delivery options out of range at their line', () => {
    const yaml = `destinations:
  - id: crm
    use: "@test/destination-collect@1"
    delivery: { concurrency: 0 }
`
    expect(() => pipeline(yaml)).toThrow(/pipeline\.yaml:4:\d+: .*concurrency/)
  })
})
