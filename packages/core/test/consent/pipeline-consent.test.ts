import { afterEach, describe, expect, it } from 'vitest'
import {
  createDeliverer,
  createMemoryTransport,
  createPipeline,
  type Pipeline,
  parsePipeline,
  resolveDeliveryOptions,
  summarizeOutcomes,
} from '../../src/index.ts'
import { thrown } from '../_thrown.ts'
import { pipeline, registry } from '../engine/_plugins.ts'

// Consent in the pipeline file, checked by the route stage before a destination's transform.

const open: Pipeline[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()))
})

const DESTINATIONS = `
destinations:
  - id: warehouse
    use: "@test/destination-collect@1"
    config: { url: "http://127.0.0.1:9/warehouse", token: "tok_secret_1234" }
  - id: analytics
    use: "@test/destination-collect@1"
    config: { url: "http://127.0.0.1:9/analytics", token: "tok_secret_1234" }
    consent: { categories: [Analytics] }
  - id: ads
    use: "@test/destination-collect@1"
    config: { url: "http://127.0.0.1:9/ads", token: "tok_secret_1234" }
    consent: { categories: [Advertising, C0004], match: any }
`

async function start(yaml: string) {
  const sent: Array<{ destination: string; id: string }> = []
  const p = await createPipeline(pipeline(yaml), {
    registry: registry(),
    createDeliverer: (dest) =>
      createDeliverer({
        transport: createMemoryTransport((request) => {
          sent.push({ destination: dest.id, id: JSON.parse(request.body!).id })
          return { status: 200, headers: {}, body: undefined }
        }),
        options: resolveDeliveryOptions({ retry: { maxAttempts: 1 } }),
        label: dest.label,
        redactor: dest.redactor,
      }),
  })
  open.push(p)
  return { p, sent }
}

const event = (messageId: string, context?: Record<string, unknown>) => ({
  type: 'track',
  event: 'Clicked',
  anonymousId: 'a1',
  messageId,
  ...(context ? { context } : {}),
})
const EVENTS = [
  event('everything', { consent: { categoryPreferences: { Analytics: true, Advertising: true } } }),
  event('analytics-only', { consent: { categoryPreferences: { Analytics: true, Advertising: false } } }),
  event('rudder-ads', {
    consentManagement: {
      provider: 'oneTrust',
      allowedConsentIds: ['C0004'],
      deniedConsentIds: ['Analytics'],
    },
  }),
  event('no-consent'),
  event('malformed', { consent: { categoryPreferences: 'Analytics' } }),
]

describe('consent in the pipeline', () => {
  it('delivers each event only where its consent allows; the rest are dropped with reason consent', async () => {
    const { p, sent } = await start(DESTINATIONS)
    const outcomes = await p.process(EVENTS)
    const at = (destination: string) =>
      sent
        .filter((s) => s.destination === destination)
        .map((s) => s.id)
        .sort()
    expect(at('warehouse')).toEqual(['analytics-only', 'everything', 'malformed', 'no-consent', 'rudder-ads'])
    // No consent information (and malformed reads as none): delivered, the default `allow`.
    expect(at('analytics')).toEqual(['analytics-only', 'everything', 'malformed', 'no-consent'])
    expect(at('ads')).toEqual(['everything', 'malformed', 'no-consent', 'rudder-ads'])
    expect(outcomes.find((o) => o.destination === 'ads' && o.messageId === 'analytics-only')).toMatchObject({
      status: 'dropped',
      step: 'destinations.ads',
      reason: 'consent',
    })
    const summary = summarizeOutcomes(EVENTS.length, outcomes)
    expect(summary.destinations.analytics).toEqual({
      delivered: 4,
      dropped: 1,
      failed: 0,
      reasons: { 'consent at destinations.analytics': 1 },
    })
  })

  it('says in a notice that events without consent information are delivered, unless a policy is written', async () => {
    const { p } = await start(DESTINATIONS)
    expect(p.notices).toEqual([
      'consent: analytics, ads need consent; events without consent information from no source (`patchbay run` without --source) are delivered to them (consent.whenMissing defaults to allow). Set `consent: { whenMissing: deny }` on the pipeline or a source to drop them instead.',
    ])
    const { p: quiet } = await start(`consent: { whenMissing: allow }\n${DESTINATIONS}`)
    expect(quiet.notices).toEqual([])
    const { p: none } = await start(`
destinations:
  - id: warehouse
    use: "@test/destination-collect@1"
    config: { url: "http://127.0.0.1:9/warehouse", token: "tok_secret_1234" }
`)
    expect(none.notices).toEqual([])
  })

  it('applies whenMissing per source, falling back to the pipeline', async () => {
    const { p, sent } = await start(`
consent: { whenMissing: deny }
sources:
  - id: web
    writeKey: wk-web
  - id: server
    writeKey: wk-server
    consent: { whenMissing: allow }
${DESTINATIONS}`)
    expect(p.consentPolicy('web')).toBe('deny')
    expect(p.consentPolicy('server')).toBe('allow')
    expect(p.consentPolicy()).toBe('deny')
    expect(p.consentPolicy('unknown')).toBe('deny')
    const bare = [event('no-consent'), event('malformed', { consent: 7 })]
    const fromWeb = await p.process(bare, { sourceId: 'web' })
    expect(fromWeb.filter((o) => o.destination === 'analytics').map((o) => o.reason)).toEqual([
      'consent',
      'consent',
    ])
    expect(sent.filter((s) => s.destination === 'analytics')).toEqual([])
    await p.process(bare, { sourceId: 'server' })
    expect(sent.filter((s) => s.destination === 'analytics').map((s) => s.id)).toEqual([
      'no-consent',
      'malformed',
    ])
    expect(p.route(bare[0] as never, { sourceId: 'web' })[1]).toEqual({
      destination: 'analytics',
      status: 'dropped',
      reason: 'consent',
      unmet: ['Analytics'],
      because: 'missing',
    })
    expect(p.route(bare[0] as never, { sourceId: 'server' })[1]).toEqual({
      destination: 'analytics',
      status: 'routed',
    })
  })

  it('checks consent before the destination transform: a refused event never reaches it', async () => {
    const { p, sent } = await start(DESTINATIONS)
    // `Explode` throws in the destination's transform: refused, it is dropped instead of failing.
    const outcomes = await p.process([
      { ...event('x', { consent: { categoryPreferences: { Analytics: false } } }), event: 'Explode' },
    ])
    expect(outcomes.find((o) => o.destination === 'analytics')).toMatchObject({
      status: 'dropped',
      reason: 'consent',
    })
    expect(sent.filter((s) => s.destination === 'analytics')).toEqual([])
  })

  it('deliver() re-checks consent with the source policy, unless the route stage checked it', async () => {
    const { p, sent } = await start(`consent: { whenMissing: deny }\n${DESTINATIONS}`)
    const bare = event('no-consent') as never
    const [checked] = await p.deliver('analytics', [bare])
    expect(checked).toMatchObject({ status: 'dropped', reason: 'consent' })
    const [trusted] = await p.deliver('analytics', [bare], { consentChecked: true })
    expect(trusted).toMatchObject({ status: 'delivered' })
    expect(sent.map((s) => s.id)).toEqual(['no-consent'])
  })

  it('refuses bad consent settings with the file, line and field', () => {
    const bad = `
sources:
  - id: web
    consent: { whenMissing: maybe }
destinations:
  - id: ads
    use: x@1
    consent: { categories: [] , match: most }
`
    const error = thrown(() => parsePipeline(bad, { file: '/p/pipeline.yaml', env: {} }))
    expect(error.code).toBe('PB_PIPELINE_INVALID')
    expect(error.message).toMatch(/pipeline\.yaml:4:\d+: sources\[0\]\.consent\.whenMissing/)
    expect(error.message).toMatch(/pipeline\.yaml:8:\d+: destinations\[0\]\.consent\.categories/)
    expect(error.message).toMatch(/destinations\[0\]\.consent\.match/)
    const noPolicy = thrown(() =>
      parsePipeline('consent: {}\ndestinations: [{ id: a, use: x@1 }]', { file: '/p/p.yaml', env: {} }),
    )
    expect(noPolicy.message).toMatch(/consent\.whenMissing/)
  })
})
