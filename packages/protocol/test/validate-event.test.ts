import { describe, expect, it } from 'vitest'
import { EVENT_TYPES, type TrackEvent, validateEvent } from '../src/index.ts'
import { specEvents, track } from './fixtures/spec-events.ts'

const messages = (value: unknown) => {
  const result = validateEvent(value)
  return result.ok ? [] : result.errors.map((e) => e.message)
}
const paths = (value: unknown) => {
  const result = validateEvent(value)
  return result.ok ? [] : result.errors.map((e) => e.path)
}

describe('validateEvent: the spec examples', () => {
  it.each(EVENT_TYPES)('accepts the %s example and returns it typed and untouched', (type) => {
    const event = specEvents[type]
    const result = validateEvent(event)
    expect(result).toEqual({ ok: true, event })
    if (result.ok) expect(result.event).toBe(event)
  })

  it('keeps unknown fields at every level, because real SDKs send them', () => {
    const event = {
      ...track,
      sessionId: 17,
      context: { ...track.context, sessionId: 'abc', screen: { width: 1, innerWidth: 2 }, custom: { a: 1 } },
    }
    const result = validateEvent(event)
    expect(result.ok).toBe(true)
    if (result.ok) expect(result.event).toMatchObject({ sessionId: 17, context: { custom: { a: 1 } } })
  })

  it('narrows by type', () => {
    const result = validateEvent(track)
    if (!result.ok || result.event.type !== 'track') throw new Error('expected a track event')
    const narrowed: TrackEvent = result.event
    expect(narrowed.event).toBe('Course Clicked')
  })
})

describe('validateEvent: per-call required fields', () => {
  it.each([
    ['track', { type: 'track', userId: 'u1' }, 'track event needs `event` (a non-empty string) at /event'],
    [
      'track',
      { type: 'track', userId: 'u1', event: '' },
      'track event: `event` must be a non-empty string, got "" (a string), at /event',
    ],
    [
      'group',
      { type: 'group', userId: 'u1' },
      'group event needs `groupId` (a non-empty string) at /groupId',
    ],
    [
      'alias',
      { type: 'alias', userId: 'u1' },
      'alias event needs `previousId` (a non-empty string) at /previousId',
    ],
  ])('%s: %j', (_type, event, message) => {
    expect(messages(event)).toEqual([message])
  })

  it('lists every problem at once, each with its JSON pointer', () => {
    const event = {
      type: 'track',
      anonymousId: 'a1',
      event: 42,
      properties: ['not', 'an', 'object'],
      timestamp: 'yesterday',
      context: { ip: 4, library: { name: 'x', version: 2 } },
    }
    expect(paths(event).sort()).toEqual([
      '/context/ip',
      '/context/library/version',
      '/event',
      '/properties',
      '/timestamp',
    ])
    expect(messages(event)).toContain(
      'track event: `event` must be a non-empty string, got 42 (a number), at /event',
    )
    expect(messages(event)).toContain(
      'track event: `timestamp` must be an ISO-8601 date-time string such as 2026-11-22T10:00:00.000Z, got "yesterday" (a string), at /timestamp',
    )
    expect(messages(event)).toContain(
      'track event: `context.library.version` must be a string, got 2 (a number), at /context/library/version',
    )
  })

  it('describes a union once, with every allowed shape', () => {
    expect(messages({ ...track, integrations: { Mixpanel: 'yes' } })).toEqual([
      'track event: `integrations.Mixpanel` must be true or false or an object, got "yes" (a string), at /integrations/Mixpanel',
    ])
  })
})

describe('validateEvent: identity rules', () => {
  it.each(['track', 'identify', 'page', 'screen', 'group'] as const)(
    '%s needs userId or anonymousId',
    (type) => {
      const { userId: _u, anonymousId: _a, ...rest } = specEvents[type]
      expect(validateEvent(rest)).toEqual({
        ok: false,
        errors: [
          {
            path: '/userId',
            keyword: 'identity',
            message: `${type} event needs \`userId\` or \`anonymousId\` (a non-empty string) at /userId`,
          },
        ],
      })
    },
  )

  it('accepts anonymousId alone, and userId alone', () => {
    const { userId: _u, ...anonymous } = track
    const { anonymousId: _a, ...known } = track
    expect(validateEvent(anonymous).ok).toBe(true)
    expect(validateEvent(known).ok).toBe(true)
  })

  it('alias needs userId even when anonymousId is there', () => {
    const { userId: _u, ...rest } = specEvents.alias
    expect(messages(rest)).toEqual([
      'alias event needs `userId` (the identity the user has now, a non-empty string) at /userId',
    ])
  })

  it('an empty userId is reported once, not as two problems', () => {
    expect(messages({ type: 'identify', userId: '' })).toEqual([
      'identify event: `userId` must be a non-empty string, got "" (a string), at /userId',
    ])
  })
})

describe('validateEvent: not an event at all', () => {
  it.each([
    [null, 'an event must be a JSON object, got null'],
    [[track], 'an event must be a JSON object, got an array'],
    ['track', 'an event must be a JSON object, got "track" (a string)'],
    [{ userId: 'u1' }, 'event needs `type` (one of track, identify, page, screen, group, alias) at /type'],
    [
      { type: 'trak', userId: 'u1' },
      'event `type` must be one of track, identify, page, screen, group, alias, got "trak" (a string), at /type',
    ],
  ])('%j', (value, message) => {
    expect(messages(value)).toEqual([message])
  })

  it('never mutates what it checks', () => {
    const event = structuredClone(track)
    validateEvent(event)
    validateEvent({ ...event, event: 1 })
    expect(event).toEqual(track)
  })
})
