import { describe, expect, it } from 'vitest'
import { validateBatch } from '../src/index.ts'
import { alias, identify, track } from './fixtures/spec-events.ts'

describe('validateBatch', () => {
  it('accepts an envelope of valid events', () => {
    const result = validateBatch({ batch: [track, identify, alias], writeKey: 'wk' })
    expect(result).toMatchObject({ ok: true, indices: [0, 1, 2], rejected: [] })
    if (result.ok) expect(result.events.map((e) => e.type)).toEqual(['track', 'identify', 'alias'])
  })

  it('rejects bad events by index and keeps the good ones', () => {
    const result = validateBatch({
      batch: [track, { type: 'track', userId: 'u', messageId: 'm2' }, identify],
    })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.indices).toEqual([0, 2])
    expect(result.rejected).toEqual([
      {
        index: 1,
        messageId: 'm2',
        errors: [
          {
            path: '/batch/1/event',
            keyword: 'required',
            message: 'track event needs `event` (a non-empty string) at /batch/1/event',
          },
        ],
      },
    ])
  })

  it('lets events inherit sentAt, context and integrations from the envelope; the event wins', () => {
    const result = validateBatch({
      sentAt: '2026-11-22T10:00:05.000Z',
      context: { library: { name: 'analytics-node', version: '3.1.0' }, ip: '1.1.1.1' },
      integrations: { All: false, Webhook: true },
      batch: [
        { type: 'track', event: 'A', userId: 'u' },
        {
          type: 'track',
          event: 'B',
          userId: 'u',
          sentAt: '2026-11-22T10:00:09.000Z',
          context: { ip: '2.2.2.2' },
          integrations: { Webhook: false },
        },
      ],
    })
    if (!result.ok) throw new Error('expected ok')
    expect(result.events[0]).toMatchObject({
      sentAt: '2026-11-22T10:00:05.000Z',
      context: { ip: '1.1.1.1', library: { name: 'analytics-node' } },
      integrations: { All: false, Webhook: true },
    })
    expect(result.events[1]).toMatchObject({
      sentAt: '2026-11-22T10:00:09.000Z',
      context: { ip: '2.2.2.2', library: { name: 'analytics-node' } },
      integrations: { All: false, Webhook: false },
    })
  })

  it('does not mutate the envelope or its events', () => {
    const envelope = {
      sentAt: '2026-11-22T10:00:05.000Z',
      context: { ip: '1.1.1.1' },
      batch: [{ type: 'track', event: 'A', userId: 'u' }],
    }
    const copy = structuredClone(envelope)
    validateBatch(envelope)
    expect(envelope).toEqual(copy)
  })

  it.each([
    [[], 'a batch must be a JSON object with a `batch` array, got an array'],
    [{}, 'batch needs `batch` (an array) at /batch'],
    [{ batch: {} }, 'batch: `batch` must be an array, got an object, at /batch'],
    [
      { batch: [], sentAt: 'now' },
      'batch: `sentAt` must be an ISO-8601 date-time string such as 2026-11-22T10:00:00.000Z, got "now" (a string), at /sentAt',
    ],
  ])('refuses a bad envelope as a whole: %j', (value, message) => {
    const result = validateBatch(value)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.errors.map((e) => e.message)).toEqual([message])
  })

  it('reports a batch item that is not an object', () => {
    const result = validateBatch({ batch: [track, 'oops'] })
    expect(result.ok).toBe(false)
  })
})
