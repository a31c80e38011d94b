import { validateEvent } from '@patchbay/protocol'
import { describe, expect, it } from 'vitest'
import { exactIntegers, mapRecord } from '../../src/index.ts'

const origin = { file: 'tap stdout', line: 3, stream: 'orders' }
const mapped = (placedAt: unknown) =>
  mapRecord(
    { type: 'track', event: 'Order Placed', userId: 'user', timestamp: 'placed_at' },
    { user: 7, placed_at: placedAt },
    origin,
    'singer',
  )

describe("mapRecord's timestamp", () => {
  it.each([
    ['2026-11-01T10:00:00.123Z', '2026-11-01T10:00:00.123Z', 'RFC 3339, as it is'],
    ['2026-11-01T10:00:00+05:30', '2026-11-01T10:00:00+05:30', 'RFC 3339 with an offset, as it is'],
    ['2022-11-22T01:23:45', '2022-11-22T01:23:45Z', 'no offset: UTC (Airbyte timestamp_without_timezone)'],
    ['2022-11-22T01:23:45.123456', '2022-11-22T01:23:45.123456Z', 'no offset, microseconds'],
    ['2026-11-01 10:00:00.5+00:00', '2026-11-01T10:00:00.5+00:00', "Python's str()"],
    ['2026-11-01 10:00:00+05', '2026-11-01T10:00:00+05:00', 'PostgreSQL text'],
    ['2026-11-01t10:00:00-0800', '2026-11-01T10:00:00-08:00', 'an offset without its colon'],
    ['2026-11-01', '2026-11-01T00:00:00Z', 'a date alone: midnight UTC'],
  ])('%j becomes %j (%s), which the protocol accepts', (written, expected) => {
    const event = mapped(written)
    expect(event.timestamp).toBe(expected)
    expect(validateEvent(event).ok).toBe(true)
  })

  it.each([['yesterday'], ['2026-02-30T10:00:00'], ['2022-11-22T01:23:45 BC']])(
    '%j is left for the protocol to refuse',
    (written) => {
      const event = mapped(written)
      expect(event.timestamp).toBe(written)
      expect(validateEvent(event).ok).toBe(false)
    },
  )

  it('leaves the timestamp out when the field holds no string', () => {
    expect(mapped(1_700_000_000)).not.toHaveProperty('timestamp')
    expect(mapped(undefined)).not.toHaveProperty('timestamp')
  })
})

describe("mapRecord's ids", () => {
  const identify = { type: 'identify', userId: 'id' } as const
  const at = { file: 'tap stdout', line: 1, stream: 'typed', key: ['id'] }
  const fromLine = (line: string) => {
    const record = (JSON.parse(line) as { record: Record<string, unknown> }).record
    const exact = (exactIntegers(line) as { record: Record<string, unknown> } | undefined)?.record
    return mapRecord(identify, record, at, 'singer', exact)
  }

  it('keeps integer keys beyond 2^53 exact: two records that differ there get two userIds and messageIds', () => {
    const a = fromLine('{"type":"RECORD","stream":"typed","record":{"id":9007199254740993,"v":"same"}}')
    const b = fromLine('{"type":"RECORD","stream":"typed","record":{"id":9007199254740992,"v":"same"}}')
    expect(a.userId).toBe('9007199254740993')
    expect(b.userId).toBe('9007199254740992')
    expect(a.messageId).toMatch(/^typed:9007199254740993:[0-9a-f]{16}$/)
    expect(a.messageId).not.toBe(b.messageId)
    // The same line twice: the same id (a resumed sync dedupes).
    expect(
      fromLine('{"type":"RECORD","stream":"typed","record":{"id":9007199254740993,"v":"same"}}').messageId,
    ).toBe(a.messageId)
  })

  it('leaves an integer literal of thousands of digits a number (no BigInt of it on the host thread)', () => {
    const huge = '9'.repeat(1_000_000)
    expect(
      exactIntegers(`{"type":"RECORD","stream":"typed","record":{"id":7,"junk":${huge}}}`),
    ).toBeUndefined()
    const id = `1${'0'.repeat(63)}`
    expect(fromLine(`{"type":"RECORD","stream":"typed","record":{"id":${id}}}`).userId).toBe(id)
  })

  it('a line without long integers parses once, and its messageId is what it always was', () => {
    const line = '{"type":"RECORD","stream":"typed","record":{"id":7,"big":1e300,"code":"12345678901234567"}}'
    expect(exactIntegers(line)).toBeUndefined()
    expect(exactIntegers('{"id":7}')).toBeUndefined()
    const record = { id: 7, big: 1e300, code: '12345678901234567' }
    expect(fromLine(line).messageId).toBe(mapRecord(identify, record, at, 'singer').messageId)
  })

  it('finds a field whose name has a dot as itself, and a dot path when no field has that name', () => {
    const keyed = { file: 'out', line: 1, stream: 's', key: ['a.b'] }
    const event = mapRecord(
      { type: 'identify', userId: 'owner.id' },
      { 'a.b': 5, owner: { id: 9 } },
      keyed,
      'airbyte',
    )
    expect(event.userId).toBe('9')
    expect(event.messageId).toMatch(/^s:5:/)
    expect(() => mapRecord({ type: 'identify', userId: 'constructor' }, { 'a.b': 1 }, keyed, 'x')).toThrow(
      /has no `constructor`/,
    )
  })
})
