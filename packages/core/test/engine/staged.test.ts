import { afterEach, describe, expect, it } from 'vitest'
import { createPipeline, type Pipeline } from '../../src/index.ts'
import { reply, startServer } from '../_server.ts'
import { pipeline, registry } from './_plugins.ts'

// `transform` and `deliver` are `process` cut in two, for a runtime that stores events
// between the halves and schedules retries itself (the gateway).

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()))
})

const YAML = (url: string) => `
name: staged
egress: { allow: ["127.0.0.1"] }
transformations:
  - id: enrich
    use: "@test/transformation-enrich@^1"
    config: { tag: t1 }
destinations:
  - id: crm
    use: "@test/destination-collect@1"
    config: { url: "${url}/crm", token: "tok_secret_1234" }
    delivery: { retry: { maxAttempts: 5, baseDelayMs: 1 } }
`

async function staged(url: string, singleAttempt = true): Promise<Pipeline> {
  const p = await createPipeline(pipeline(YAML(url)), { registry: registry(), singleAttempt })
  open.push(p)
  return p
}

describe('Pipeline.transform', () => {
  it('validates, normalises and transforms without delivering, and says which inputs stopped', async () => {
    const s = await startServer((res) => reply(res, 200))
    open.push(s)
    const p = await staged(s.url)
    const result = await p.transform(
      [
        { type: 'track', event: 'A', userId: 'u1', messageId: 'm-1' },
        { type: 'track', userId: 'u1', messageId: 'm-2' },
        { type: 'identify', userId: 'u2', messageId: 'm-3' },
      ],
      { sourceId: 'web' },
    )
    expect(result.events.map((e) => [e.index, e.event.messageId])).toEqual([
      [0, 'm-1'],
      [2, 'm-3'],
    ])
    expect(result.events[0]!.event).toMatchObject({ receivedAt: expect.any(String), context: { tag: 't1' } })
    expect(result.stopped).toEqual([
      {
        index: 1,
        messageId: 'm-2',
        status: 'failed',
        step: 'validate',
        error: expect.objectContaining({ code: 'PB_EVENT_INVALID', retryable: false }),
      },
    ])
    expect(s.received).toHaveLength(0)
  })

  it('keeps what arrival set when the events are already normalised', async () => {
    const p = await staged('http://127.0.0.1:9')
    const event = {
      type: 'track',
      event: 'A',
      userId: 'u1',
      messageId: 'm-1',
      receivedAt: '2026-11-22T10:00:00.000Z',
      timestamp: '2026-11-22T09:59:58.000Z',
    }
    const { events } = await p.transform([event], { normalized: true })
    expect(events[0]!.event).toMatchObject({ receivedAt: event.receivedAt, timestamp: event.timestamp })
  })
})

describe('Pipeline.deliver with singleAttempt', () => {
  it('makes one attempt and reports a retryable failure with the Retry-After it was given', async () => {
    const s = await startServer((res) => reply(res, 429, '', { 'retry-after': '7' }))
    open.push(s)
    const p = await staged(s.url)
    const { events } = await p.transform([{ type: 'track', event: 'A', userId: 'u1', messageId: 'm-1' }])
    const [outcome] = await p.deliver(
      'crm',
      events.map((e) => e.event),
    )
    expect(s.received).toHaveLength(1)
    expect(outcome).toMatchObject({
      index: 0,
      messageId: 'm-1',
      destination: 'crm',
      status: 'failed',
      attempts: 1,
      error: { code: 'PB_DELIVERY_THROTTLED', retryable: true, retryAfterMs: 7000 },
    })
  })

  it('delivers, and aborts a 400 as not retryable', async () => {
    const s = await startServer((res, _n, req) => reply(res, req.body.includes('m-2') ? 400 : 200))
    open.push(s)
    const p = await staged(s.url)
    const { events } = await p.transform([
      { type: 'track', event: 'A', userId: 'u1', messageId: 'm-1' },
      { type: 'track', event: 'B', userId: 'u1', messageId: 'm-2' },
    ])
    const outcomes = await p.deliver(
      'crm',
      events.map((e) => e.event),
    )
    expect(outcomes.map((o) => [o.index, o.messageId, o.status, o.error?.retryable])).toEqual([
      [0, 'm-1', 'delivered', undefined],
      [1, 'm-2', 'failed', false],
    ])
  })

  it('names the destinations it has when asked for one it does not', async () => {
    const p = await staged('http://127.0.0.1:9')
    await expect(p.deliver('nope', [])).rejects.toThrow('has no destination "nope"; it has crm')
  })

  it('without singleAttempt, retries in process as before', async () => {
    const s = await startServer((res, n) => reply(res, n < 3 ? 503 : 200))
    open.push(s)
    const p = await staged(s.url, false)
    const { events } = await p.transform([{ type: 'track', event: 'A', userId: 'u1', messageId: 'm-1' }])
    const [outcome] = await p.deliver(
      'crm',
      events.map((e) => e.event),
    )
    expect(outcome).toMatchObject({ status: 'delivered', attempts: 3 })
  })
})
