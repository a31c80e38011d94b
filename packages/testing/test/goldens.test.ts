import { describe, expect, it } from 'vitest'
import { checkGolden, type Finding } from '../src/index.ts'
import * as p from './_plugins.ts'

const cfg = { url: 'https://hooks.example.com/in', token: 'tok_example_123' }
const rule = (findings: Finding[], name: string) => findings.find((f) => f.rule === name)!
const event = {
  type: 'track',
  event: 'Order Completed',
  userId: 'user-1',
  messageId: 'golden-1',
  timestamp: '2026-11-22T10:00:00.000Z',
}
const golden = (name: string, fields: Record<string, unknown>) => ({
  name,
  file: `golden/${name}.json`,
  ...fields,
})

describe('goldens for every kind', () => {
  it('destination: event + config -> requests; a changed mapping fails, naming the file', async () => {
    const requests = [
      {
        method: 'POST',
        url: cfg.url,
        headers: { authorization: `Bearer ${cfg.token}` },
        body: event,
      },
    ]
    const ok = await checkGolden(p.good, golden('track', { event, requests }), cfg)
    expect(ok.findings.filter((f) => !f.ok)).toEqual([])
    const changed = await checkGolden(
      p.good,
      golden('track', { event, requests: [{ ...requests[0], method: 'PUT' }] }),
      cfg,
    )
    const f = rule(changed.findings, 'golden track')
    expect(f.ok).toBe(false)
    expect(f.message).toContain("The plugin's output for golden/track.json equals the recorded requests")
  })

  it('destination with transformBatch: the batch plan is recorded and compared too', async () => {
    const result = await checkGolden(p.sortsBatchInPlace, golden('batch', { event, requests: [] }), cfg)
    expect(Object.keys(result.actual)).toEqual(['requests', 'batch'])
    expect(result.actual.batch).toMatchObject([{ events: [0], request: { method: 'POST' } }, { events: [] }])
  })

  it('transformation: events in -> events out (drops, fan-out and errors recorded)', async () => {
    const input = [event, { ...event, type: 'page', name: 'Home', messageId: 'golden-2' }]
    const out = [event, { ...event, event: 'Copy' }]
    const ok = await checkGolden(p.goodTransformation, golden('fan-out', { in: input, out }), {})
    expect(ok.findings.filter((f) => !f.ok)).toEqual([])
    const wrong = await checkGolden(p.invalidOutput, golden('fan-out', { in: input, out }), {})
    expect(rule(wrong.findings, 'golden fan-out').ok).toBe(false)
    expect(wrong.actual.out).toMatchObject([{ type: 'purchase' }, { type: 'purchase' }])
  })

  it('source: raw body, headers, query and config -> events; an error is recorded as such', async () => {
    const request = { body: { email: 'a@example.com' }, headers: { 'x-key': 'k' }, query: { src: 'form' } }
    const events = [
      { type: 'track', event: 'Form Sent', anonymousId: 'a1', properties: { email: 'a@example.com' } },
    ]
    const ok = await checkGolden(p.goodSource, golden('form', { request, events }), {})
    expect(ok.findings.filter((f) => !f.ok)).toEqual([])
    const refused = await checkGolden(p.goodSource, golden('text', { request: { body: 'x' }, events }), {})
    expect(rule(refused.findings, 'golden text').ok).toBe(false)
    expect(refused.actual.events).toEqual({
      error: { code: 'PB_EVENT_INVALID', message: 'the body must be a JSON object' },
    })
  })
})

describe('determinism', () => {
  it('a golden that comes out different on a second run', async () => {
    const result = await checkGolden(p.counts, golden('seq', { event, requests: [] }), cfg)
    const f = rule(result.findings, 'golden seq deterministic')
    expect(f.ok).toBe(false)
    expect(f.message).toContain('two runs of golden/seq.json differed')
  })

  it('reading the clock or randomness without declaring it; declared or through ctx it is fine', async () => {
    const undeclared = await checkGolden(p.readsClock, golden('t', { event, requests: [] }), cfg)
    const f = rule(undeclared.findings, 'golden t clock and randomness')
    expect(f.ok).toBe(false)
    expect(f.message).toMatch(/it called new Date\(\) at .*_plugins\.ts.*; crypto\.randomUUID\(\) at/)
    // Seeded, so even undeclared use gives stable goldens.
    expect(rule(undeclared.findings, 'golden t deterministic').ok).toBe(true)
    const declared = await checkGolden(p.declaresClock, golden('t', { event, requests: [] }), cfg)
    expect(declared.findings.filter((x) => !x.ok).map((x) => x.rule)).toEqual(['golden t'])
    const viaContext = await checkGolden(p.usesContextClock, golden('t', { event, requests: [] }), cfg)
    expect(viaContext.findings.filter((x) => !x.ok).map((x) => x.rule)).toEqual(['golden t'])
    expect(viaContext.actual.requests).toMatchObject([
      { body: { sentAt: '2026-11-22T10:00:00.000Z', id: 'contract-id-1' } },
    ])
  })
})
