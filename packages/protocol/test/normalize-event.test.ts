import { describe, expect, it } from 'vitest'
import { normalizeEvent, type PatchbayEvent } from '../src/index.ts'

const base = { type: 'track', event: 'Signed Up', anonymousId: 'a1' } as const satisfies PatchbayEvent
const ids = () => {
  let n = 0
  return () => `msg-${++n}`
}

describe('normalizeEvent', () => {
  it('corrects clock skew: timestamp = receivedAt − (sentAt − originalTimestamp)', () => {
    // The device clock runs 3 s fast: it says it sent at :05, we received at :02.
    const out = normalizeEvent(
      { ...base, originalTimestamp: '2026-11-22T10:00:00.000Z', sentAt: '2026-11-22T10:00:05.000Z' },
      { receivedAt: '2026-11-22T10:00:02.000Z' },
    )
    expect(out.timestamp).toBe('2026-11-22T09:59:57.000Z')
    expect(out.receivedAt).toBe('2026-11-22T10:00:02.000Z')
    expect(out.originalTimestamp).toBe('2026-11-22T10:00:00.000Z')
  })

  it('handles offsets in the device timestamps', () => {
    const out = normalizeEvent(
      { ...base, originalTimestamp: '2026-11-22T11:00:00.000+01:00', sentAt: '2026-11-22T10:00:01.000Z' },
      { receivedAt: new Date('2026-11-22T10:00:01.500Z') },
    )
    expect(out.timestamp).toBe('2026-11-22T10:00:00.500Z')
  })

  it('keeps a timestamp the caller set (historical imports)', () => {
    const out = normalizeEvent(
      {
        ...base,
        timestamp: '2020-01-01T00:00:00.000Z',
        originalTimestamp: '2026-11-22T10:00:00.000Z',
        sentAt: '2026-11-22T10:00:05.000Z',
      },
      { receivedAt: '2026-11-22T10:00:02.000Z' },
    )
    expect(out.timestamp).toBe('2020-01-01T00:00:00.000Z')
  })

  it('falls back to originalTimestamp without sentAt, and to receivedAt without either', () => {
    const received = { receivedAt: '2026-11-22T10:00:02.000Z' }
    expect(
      normalizeEvent({ ...base, originalTimestamp: '2026-11-22T09:00:00.000Z' }, received).timestamp,
    ).toBe('2026-11-22T09:00:00.000Z')
    expect(normalizeEvent({ ...base, sentAt: '2026-11-22T09:00:00.000Z' }, received).timestamp).toBe(
      '2026-11-22T10:00:02.000Z',
    )
    expect(normalizeEvent(base, received).timestamp).toBe('2026-11-22T10:00:02.000Z')
  })

  it('fills a missing messageId, and keeps one that is there', () => {
    const messageId = ids()
    const options = { receivedAt: 0, messageId }
    expect(normalizeEvent(base, options).messageId).toBe('msg-1')
    expect(normalizeEvent({ ...base, messageId: 'given' }, options).messageId).toBe('given')
    expect(normalizeEvent(base, options).messageId).toBe('msg-2')
  })

  it('makes a random UUID by default', () => {
    expect(normalizeEvent(base).messageId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
  })

  it('sets request_ip when given and absent', () => {
    expect(normalizeEvent(base, { receivedAt: 0, requestIp: '10.0.0.1' }).request_ip).toBe('10.0.0.1')
    expect(
      normalizeEvent({ ...base, request_ip: '1.1.1.1' }, { receivedAt: 0, requestIp: '10.0.0.1' }).request_ip,
    ).toBe('1.1.1.1')
  })

  it('keeps alias and group ids and every other field', () => {
    const alias = { type: 'alias', userId: 'new', previousId: 'old', context: { ip: '1.2.3.4' } } as const
    const out = normalizeEvent(alias, { receivedAt: 0, messageId: ids() })
    expect(out).toEqual({
      ...alias,
      messageId: 'msg-1',
      receivedAt: '1970-01-01T00:00:00.000Z',
      timestamp: '1970-01-01T00:00:00.000Z',
    })
    const group = normalizeEvent(
      { type: 'group', userId: 'u', groupId: 'g1', traits: { n: 1 } },
      { receivedAt: 0, messageId: ids() },
    )
    expect(group).toMatchObject({ groupId: 'g1', traits: { n: 1 } })
  })

  it('never mutates its input', () => {
    const input = {
      ...base,
      originalTimestamp: '2026-11-22T10:00:00.000Z',
      sentAt: '2026-11-22T10:00:05.000Z',
      context: { ip: '1.1.1.1' },
    }
    const copy = structuredClone(input)
    const out = normalizeEvent(input, { receivedAt: 0, requestIp: '2.2.2.2' })
    expect(input).toEqual(copy)
    expect(out).not.toBe(input)
  })

  it('drops what a client sent under context.patchbay (Patchbay writes there), and keeps the rest of context', () => {
    const input = {
      ...base,
      context: {
        ip: '1.1.1.1',
        patchbay: {
          canonicalId: 'forged',
          identity: { canonicalId: 'forged', merged: [{ from: 'a', to: 'b' }] },
        },
      },
    }
    const out = normalizeEvent(input, { receivedAt: 0, messageId: ids() })
    expect(out.context).toEqual({ ip: '1.1.1.1' })
    // The input keeps its own (normalisation never mutates), and an event without it is as it was.
    expect(input.context.patchbay.canonicalId).toBe('forged')
    expect(normalizeEvent({ ...base, context: { ip: '1.1.1.1' } }, { receivedAt: 0 }).context).toEqual({
      ip: '1.1.1.1',
    })
  })

  it('refuses an invalid receivedAt instead of writing "Invalid Date"', () => {
    expect(() => normalizeEvent(base, { receivedAt: 'soon' })).toThrow(
      'normalizeEvent: receivedAt soon is not a valid date',
    )
  })

  it('a receivedAt used again gives the same text; a Date changed since gives its new time', () => {
    const at = new Date('2026-11-22T10:00:00.000Z')
    expect(normalizeEvent(base, { receivedAt: at }).receivedAt).toBe('2026-11-22T10:00:00.000Z')
    at.setTime(at.getTime() + 1000)
    expect(normalizeEvent(base, { receivedAt: at }).receivedAt).toBe('2026-11-22T10:00:01.000Z')
    expect(normalizeEvent(base, { receivedAt: at.getTime() }).receivedAt).toBe('2026-11-22T10:00:01.000Z')
    expect(normalizeEvent(base, { receivedAt: '2026-11-22T11:00:00Z' }).timestamp).toBe(
      '2026-11-22T11:00:00.000Z',
    )
    expect(normalizeEvent(base, { receivedAt: '2026-11-22T11:00:00Z' }).receivedAt).toBe(
      '2026-11-22T11:00:00.000Z',
    )
    expect(() => normalizeEvent(base, { receivedAt: 'not a date' })).toThrow(RangeError)
    expect(() => normalizeEvent(base, { receivedAt: 'not a date' })).toThrow(RangeError)
  })
})
