import { type BatchPlan, ConfigurationError, InvalidEventError, type PlannedRequest } from '@patchbay/core'
import { describe, expect, it } from 'vitest'
import { verifySignature } from '../src/index.ts'
import { config, ctx, fixture, NOW_MS, webhook } from './_helpers.ts'

const URL = 'https://hooks.example.com/batch'
const on = (batch: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  url: URL,
  batch: { enabled: true, ...batch },
  ...extra,
})

async function plan(events: unknown[], input: Record<string, unknown>): Promise<BatchPlan> {
  return webhook.transformBatch!(events as never, ctx(input))
}
const requests = (p: BatchPlan) => p.filter((e): e is PlannedRequest => 'request' in e)
const failures = (p: BatchPlan) => p.filter((e) => 'error' in e)

/** n track events with fixed ids and a padded property to control their size. */
function tracks(n: number, pad = 0) {
  return Array.from({ length: n }, (_, i) => ({
    type: 'track',
    event: 'Tick',
    userId: 'u1',
    messageId: `m-${String(i).padStart(3, '0')}`,
    properties: { pad: 'x'.repeat(pad) },
  }))
}
const size = (event: unknown) => Buffer.byteLength(JSON.stringify(event))

describe('batch(config): how the engine chunks', () => {
  it('is off by default: one event per request', () => {
    expect(webhook.batch!(config({ url: URL }))).toBeUndefined()
  })

  it('returns the configured limits when enabled', () => {
    expect(webhook.batch!(config(on({ maxEvents: 20, maxBytes: 4096 })))).toEqual({
      maxEvents: 20,
      maxBytes: 4096,
    })
  })

  it('refuses GET/DELETE and form bodies, which cannot carry a JSON array', () => {
    expect(() => webhook.batch!(config(on({}, { method: 'GET' })))).toThrowError(ConfigurationError)
    expect(() => webhook.batch!(config(on({}, { method: 'DELETE' })))).toThrowError(
      /needs a method that sends a body/,
    )
    expect(() => webhook.batch!(config(on({}, { bodyFormat: 'form' })))).toThrowError(
      /needs bodyFormat: json/,
    )
  })
})

describe('transformBatch', () => {
  it('sends the events as one JSON array, in order, with their indices', async () => {
    const events = [fixture('track'), fixture('identify'), fixture('page')]
    const result = await plan(events, on())
    expect(result).toEqual([
      {
        request: {
          method: 'POST',
          url: URL,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(events),
        },
        events: [0, 1, 2],
      },
    ])
  })

  it('applies the same mapping rules as single events (context.ip, overrides removed from the body)', async () => {
    const result = await plan([fixture('identify-context-traits')], on())
    const [body] = JSON.parse(requests(result)[0]!.request.body as string)
    expect(body.context.ip).toBe('198.51.100.23')
  })

  it('splits by maxEvents', async () => {
    const result = await plan(tracks(7), on({ maxEvents: 3 }))
    expect(requests(result).map((r) => r.events)).toEqual([[0, 1, 2], [3, 4, 5], [6]])
    expect(JSON.parse(requests(result)[2]!.request.body as string)).toEqual([tracks(7)[6]])
  })

  it('splits by maxBytes, counting brackets and commas: a body never exceeds it', async () => {
    const events = tracks(5, 100)
    const one = size(events[0])
    // Exactly two events fit: "[" + a + "," + b + "]".
    const maxBytes = 2 + one * 2 + 1
    const result = await plan(events, on({ maxBytes }))
    expect(requests(result).map((r) => r.events)).toEqual([[0, 1], [2, 3], [4]])
    for (const { request } of requests(result))
      expect(Buffer.byteLength(request.body as string)).toBeLessThanOrEqual(maxBytes)
    expect(Buffer.byteLength(requests(result)[0]!.request.body as string)).toBe(maxBytes)
    // One byte less and only one event fits per request.
    const tighter = await plan(events, on({ maxBytes: maxBytes - 1 }))
    expect(requests(tighter).map((r) => r.events)).toEqual([[0], [1], [2], [3], [4]])
  })

  it('counts bytes, not characters', async () => {
    const events = tracks(2).map((e) => ({ ...e, properties: { emoji: '🎉'.repeat(50) } }))
    const maxBytes = 2 + size(events[0]) * 2 + 1
    expect(requests(await plan(events, on({ maxBytes }))).map((r) => r.events)).toEqual([[0, 1]])
    expect(requests(await plan(events, on({ maxBytes: maxBytes - 1 }))).map((r) => r.events)).toEqual([
      [0],
      [1],
    ])
  })

  it('fails one oversize event alone and still sends its neighbours', async () => {
    const events = tracks(3)
    events[1]!.properties.pad = 'x'.repeat(2000)
    const result = await plan(events, on({ maxBytes: 1024 }))
    expect(requests(result).map((r) => r.events)).toEqual([[0, 2]])
    expect(failures(result)).toHaveLength(1)
    const [failure] = failures(result)
    expect(failure!.events).toEqual([1])
    expect(failure!.error).toBeInstanceOf(InvalidEventError)
    expect(failure!.error.code).toBe('PB_EVENT_TOO_LARGE')
    expect(failure!.error.message).toBe(
      `event m-001 is ${size(events[1]) + 2} bytes as a batch body, more than batch.maxBytes (1024)`,
    )
    expect(failure!.error.location.messageId).toBe('m-001')
  })

  it('fails an unmappable event alone (missing template field) and sends the rest', async () => {
    const events = tracks(3).map((e, i) => (i === 1 ? { ...e, userId: undefined, anonymousId: 'a1' } : e))
    const result = await plan(events, on({}, { url: 'https://hooks.example.com/users/{{userId}}' }))
    expect(requests(result).map((r) => [r.request.url, r.events])).toEqual([
      ['https://hooks.example.com/users/u1', [0, 2]],
    ])
    expect(failures(result).map((f) => [f.events, f.error.code, f.error.location.field])).toEqual([
      [[1], 'PB_EVENT_INVALID', '/userId'],
    ])
  })

  it('groups events by their URL and event headers: one request per target', async () => {
    const events = [
      { ...tracks(1)[0], userId: 'alice' },
      { ...tracks(1)[0], userId: 'bob' },
      { ...tracks(1)[0], userId: 'alice', messageId: 'm-a2' },
      { ...tracks(1)[0], userId: 'alice', messageId: 'm-a3', header: { 'X-Tenant': 't2' } },
    ]
    const result = await plan(events, on({}, { url: 'https://hooks.example.com/u/{{userId}}' }))
    expect(requests(result).map((r) => [r.request.url, r.request.headers?.['x-tenant'], r.events])).toEqual([
      ['https://hooks.example.com/u/alice', undefined, [0, 2]],
      ['https://hooks.example.com/u/bob', undefined, [1]],
      ['https://hooks.example.com/u/alice', 't2', [3]],
    ])
    expect(JSON.parse(requests(result)[2]!.request.body as string)[0]).not.toHaveProperty('header')
  })

  it('adds auth and signs each batch body', async () => {
    const secret = 'whsec_test_0123456789abcdef'
    const result = await plan(
      tracks(4),
      on({ maxEvents: 2 }, { auth: { type: 'bearer', token: 'tok_0123456789' }, signing: { secret } }),
    )
    expect(requests(result)).toHaveLength(2)
    for (const { request } of requests(result)) {
      expect(request.headers?.authorization).toBe('Bearer tok_0123456789')
      const verdict = verifySignature(
        request.body as string,
        request.headers?.['patchbay-signature'],
        secret,
        {
          method: 'POST',
          target: request.url,
          messageId: request.headers?.['x-patchbay-message-id'],
          now: () => NOW_MS,
        },
      )
      expect(verdict.ok).toBe(true)
    }
  })

  it('has no messageId header on batches (each element carries its own)', async () => {
    const [entry] = requests(await plan(tracks(2), on()))
    expect(entry!.request.headers).toEqual({ 'content-type': 'application/json' })
  })
})
