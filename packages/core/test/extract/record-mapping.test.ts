import { validateEvent } from '@patchbay/protocol'
import { describe, expect, it } from 'vitest'
import { mapRecord } from '../../src/index.ts'

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
