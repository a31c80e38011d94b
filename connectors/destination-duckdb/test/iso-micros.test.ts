import { expect, it } from 'vitest'
import { isoMicros } from '../src/_append.ts'

// Timestamps go into TIMESTAMPTZ columns as microseconds since the epoch.
const micros = (ms: number, extra = 0) => BigInt(ms) * 1000n + BigInt(extra)

it('reads the SDKs’ shape (milliseconds, Z) and every other ISO 8601 form the planner accepts', () => {
  const at = Date.UTC(2026, 11, 1, 10, 0, 0, 123)
  expect(isoMicros('2026-12-01T10:00:00.123Z')).toBe(micros(at))
  expect(isoMicros('2026-12-01T10:00:00.123456Z')).toBe(micros(at, 456))
  expect(isoMicros('2026-12-01T12:00:00.123+02:00')).toBe(micros(at))
  expect(isoMicros('2026-12-01T12:00:00.123+0200')).toBe(micros(at))
  expect(isoMicros('2026-12-01 10:00:00.123')).toBe(micros(at))
  expect(isoMicros('2026-12-01T10:00Z')).toBe(micros(Date.UTC(2026, 11, 1, 10, 0)))
  expect(isoMicros('1969-12-31T23:59:59.999Z')).toBe(-1000n)
})

it('refuses what is not a date-time, whatever its length', () => {
  for (const bad of [
    '2026-13-01T10:00:00.000Z',
    '2026-12-01T25:00:00.000Z',
    'Tue, 01 Dec 2026 10:00:00Z',
    '2026-12-01X10:00:00.000Z',
  ])
    expect(() => isoMicros(bad), bad).toThrow(`"${bad}" is not an ISO 8601 date-time`)
})
