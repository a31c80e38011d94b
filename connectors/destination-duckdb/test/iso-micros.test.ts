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

it('reads the canonical shape digit by digit as the general path reads it, leap days and calendar edges included', () => {
  for (const text of [
    '2024-02-29T23:59:59.999Z',
    '2000-02-29T00:00:00.000Z',
    '1900-03-01T00:00:00.000Z',
    '0001-01-01T00:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
    '1969-12-31T23:59:59.999Z',
  ])
    expect(isoMicros(text), text).toBe(BigInt(Date.parse(text)) * 1000n)
  // Not a real day: the general path reads it as Date.parse does (Feb 30 is Mar 2), as before.
  expect(isoMicros('2026-02-30T10:00:00.000Z')).toBe(BigInt(Date.UTC(2026, 2, 2, 10)) * 1000n)
  expect(isoMicros('2026-12-01T24:00:00.000Z')).toBe(BigInt(Date.UTC(2026, 11, 2)) * 1000n)
})

it('refuses what is not a date-time, whatever its length', () => {
  for (const bad of [
    '2026-13-01T10:00:00.000Z',
    '2026-12-01T25:00:00.000Z',
    'Tue, 01 Dec 2026 10:00:00Z',
    '2026-12-01X10:00:00.000Z',
    '2026-12-01T10:00:00.0a0Z',
    '2026-12-01T10:60:00.000Z',
  ])
    expect(() => isoMicros(bad), bad).toThrow(`"${bad}" is not an ISO 8601 date-time`)
})
