import { Format, IsDate, IsDateTime, IsTime } from 'typebox/format'
import { describe, expect, it } from 'vitest'
import { isExtractedDate, isExtractedDateTime, isExtractedTime } from '../../src/extract/_extracted-dates.ts'
import { compileRecordCheck } from '../../src/index.ts'

// The grammar of _extracted-dates.ts written a second way (patterns and Date arithmetic), as
// the oracle the character scans are compared with.
const DATE = String.raw`(\d{4})-(\d{2})-(\d{2})`
const CLOCK = String.raw`(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?`
const ZONE = String.raw`(?:[Zz]|[+-](\d{2})(?::?(\d{2}))?)?`
const DATE_TIME_RE = new RegExp(`^${DATE}[Tt ]${CLOCK}${ZONE}(?: BC)?$`)
const DATE_RE = new RegExp(`^${DATE}(?: BC)?$`)
const TIME_RE = new RegExp(`^${CLOCK}${ZONE}$`)

const calendar = (y: string, m: string, d: string) => {
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)))
  date.setUTCFullYear(Number(y))
  return date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d)
}
const clock = (h: string, m: string, s: string) => Number(h) <= 23 && Number(m) <= 59 && Number(s) <= 60
const zone = (h?: string, m?: string) =>
  (h === undefined || Number(h) <= 23) && (m === undefined || Number(m) <= 59)

function oracleDateTime(v: string): boolean {
  const m = DATE_TIME_RE.exec(v)
  return !!m && calendar(m[1]!, m[2]!, m[3]!) && clock(m[4]!, m[5]!, m[6]!) && zone(m[7], m[8])
}
function oracleDate(v: string): boolean {
  const m = DATE_RE.exec(v)
  return (!!m && calendar(m[1]!, m[2]!, m[3]!)) || oracleDateTime(v)
}
function oracleTime(v: string): boolean {
  const m = TIME_RE.exec(v)
  return !!m && clock(m[1]!, m[2]!, m[3]!) && zone(m[4], m[5])
}

const SAMPLES = [
  '2026-11-01T10:00:00Z',
  '2026-11-01t10:00:00z',
  '2026-11-01 10:00:00.123456+00:00',
  '2022-11-22T01:23:45',
  '2022-11-22T01:23:45.123456',
  '2022-11-22T01:23:45.123456+05:00 BC',
  '2022-11-22 01:23:45.123+05',
  '2022-11-22T01:23:45+0530',
  '2022-11-22T19:59:59-23:59',
  '2024-02-29T00:00:00Z',
  '1900-02-29T00:00:00Z',
  '2026-04-31T00:00:00',
  '2026-12-31T23:59:60Z',
  '2026-01-01T00:00:00Z[Europe/Paris]',
  '2026-01-01',
  '2026-01-01 BC',
  '10:00:00',
  '10:00:00.123456',
  '01:23:45.123+05:00',
  '23:59:60-0800',
  '',
]

// Every string one edit away from a sample.
function* mutations(base: string): Generator<string> {
  const alphabet = '0123456789-:.+TtZz[] xB'
  for (let i = 0; i <= base.length; i++) {
    yield base.slice(0, i) + base.slice(i + 1)
    for (const c of alphabet) {
      yield base.slice(0, i) + c + base.slice(i + 1)
      yield base.slice(0, i) + c + base.slice(i)
    }
  }
}

describe('the date formats of extracted records', () => {
  it('read exactly the documented grammar, checked the second way on every one-edit mutation', () => {
    const disagree: string[] = []
    let compared = 0
    for (const sample of SAMPLES)
      for (const v of [sample, ...mutations(sample)]) {
        compared++
        if (isExtractedDateTime(v) !== oracleDateTime(v)) disagree.push(`date-time ${JSON.stringify(v)}`)
        if (isExtractedDate(v) !== oracleDate(v)) disagree.push(`date ${JSON.stringify(v)}`)
        if (isExtractedTime(v) !== oracleTime(v)) disagree.push(`time ${JSON.stringify(v)}`)
      }
    expect(disagree).toEqual([])
    expect(compared).toBeGreaterThan(10_000)
  })

  it.each([
    ['date-time', '2022-11-22T01:23:45', 'Airbyte timestamp_without_timezone'],
    ['date-time', '2022-11-22T01:23:45.123456+05:00 BC', 'Airbyte, before the common era'],
    ['date-time', '2026-11-01 10:00:00.123456+00:00', "Python's str() of a timestamp"],
    ['date-time', '2026-11-01 10:00:00+05', 'PostgreSQL text'],
    ['date-time', '2026-01-01T00:00:00+01:00[Europe/Paris]', 'RFC 9557'],
    ['date', '2026-01-02T00:00:00+00:00', 'the Singer SDK, a date column'],
    ['date', '2026-01-02', 'RFC 3339'],
    ['time', '10:00:00.123456', 'the Singer SDK, a time column'],
    ['time', '01:23:45', 'Airbyte time_without_timezone'],
    ['time', '01:23:45.123+05:00', 'Airbyte time_with_timezone'],
  ])('accepts %s %j (%s)', (format, value) => {
    const check = compileRecordCheck({ type: 'object', properties: { v: { type: 'string', format } } })
    expect(check.check({ v: value })).toBe(true)
  })

  it.each([
    ['date-time', 'yesterday'],
    ['date-time', '2026-02-30T10:00:00'],
    ['date-time', '2026-11-01T25:00:00Z'],
    ['date-time', '2026-11-01'],
    ['date-time', '2026-11-01T10:00'],
    ['date-time', '2026-11-01T10:00:00+24:00'],
    ['date', '2023-02-29'],
    ['date', '01/02/2026'],
    ['time', '10:00'],
    ['time', '10:61:00'],
    ['time', '10:00:00 BC'],
  ])('refuses %s %j', (format, value) => {
    const check = compileRecordCheck({ type: 'object', properties: { v: { type: 'string', format } } })
    expect(check.check({ v: value })).toBe(false)
    expect(check.violation({ v: value })).toEqual({ field: '/v', message: `must match format "${format}"` })
  })

  it('accepts everything RFC 3339 accepts', () => {
    for (const sample of SAMPLES)
      for (const v of [sample, ...mutations(sample)]) {
        const check = (format: string) => compileRecordCheck({ type: 'string', format }).check(v)
        if (IsDateTime(v)) expect(check('date-time'), v).toBe(true)
        if (IsDate(v)) expect(isExtractedDate(v) || IsDate(v), v).toBe(true)
        if (IsTime(v)) expect(isExtractedTime(v) || IsTime(v), v).toBe(true)
      }
  })
})

describe('compileRecordCheck', () => {
  const schema = {
    type: 'object',
    required: ['id'],
    properties: { at: { type: 'string', format: 'date-time' }, id: { type: 'integer' } },
  }

  it("names the field that is wrong, not a date written the extractors' way", () => {
    const check = compileRecordCheck(schema)
    const record = { at: '2026-11-01 10:00:00', id: 'seven' }
    expect(check.check(record)).toBe(false)
    expect(check.violation(record)).toEqual({ field: '/id', message: 'must be integer' })
    expect(check.violation({ at: '2026-11-01T10:00:00Z' })).toMatchObject({ field: '/' })
  })

  it("leaves typebox's registry as it found it", () => {
    compileRecordCheck(schema).violation({ at: 'x', id: 1 })
    expect([Format.Get('date-time'), Format.Get('date'), Format.Get('time')]).toEqual([
      IsDateTime,
      IsDate,
      IsTime,
    ])
  })

  it('keeps a format the host registered', () => {
    const strict = (value: string) => value.endsWith('Z')
    Format.Set('date-time', strict)
    try {
      const check = compileRecordCheck({ type: 'string', format: 'date-time' })
      expect(check.check('2026-11-01T10:00:00+01:00')).toBe(false)
      expect(check.check('2026-11-01T10:00:00Z')).toBe(true)
      expect(Format.Get('date-time')).toBe(strict)
    } finally {
      Format.Set('date-time', IsDateTime)
    }
  })
})

describe('the $refs of an extractor schema', () => {
  const wellKnown = (name: string) => ({ $ref: `WellKnownTypes.json#/definitions/${name}` })
  // Airbyte protocol v1 declares columns by reference to its well-known types.
  const orders = compileRecordCheck({
    type: 'object',
    properties: {
      id: wellKnown('Integer'),
      total: wellKnown('Number'),
      paid: wellKnown('Boolean'),
      placed_at: wellKnown('TimestampWithoutTimezone'),
      day: { oneOf: [{ type: 'null' }, wellKnown('Date')] },
      opens: wellKnown('TimeWithoutTimezone'),
      note: wellKnown('String'),
      other: wellKnown('SomethingNewer'),
      remote: { $ref: 'https://example.com/schemas/address.json' },
    },
  })

  it("stand for Airbyte's well-known types, numbers as JSON numbers or strings", () => {
    const good = {
      id: 7,
      total: '12.50',
      paid: true,
      placed_at: '2022-11-22T01:23:45',
      day: null,
      opens: '01:23:45',
      note: 'x',
      other: { any: 'thing' },
      remote: [1],
    }
    expect(orders.check(good)).toBe(true)
    expect(orders.check({ ...good, id: '42', day: '2022-11-22' })).toBe(true)
    expect(orders.violation({ ...good, paid: 'yes' })).toEqual({ field: '/paid', message: 'must be boolean' })
    expect(orders.violation({ ...good, placed_at: 'noon' })).toEqual({
      field: '/placed_at',
      message: 'must match format "date-time"',
    })
  })

  it('resolves local references, and refuses one that points at nothing when compiled', () => {
    const local = compileRecordCheck({
      type: 'object',
      definitions: { when: { type: 'string', format: 'date-time' } },
      properties: { at: { $ref: '#/definitions/when' } },
    })
    expect(local.check({ at: '2026-11-01 10:00:00' })).toBe(true)
    expect(local.check({ at: 5 })).toBe(false)
    expect(() =>
      compileRecordCheck({ type: 'object', properties: { at: { $ref: '#/definitions/nope' } } }),
    ).toThrow('its $ref "#/definitions/nope" points at nothing in the schema')
  })

  it('refuses a malformed reference as one that points at nothing, and keeps a field named __proto__ a field', () => {
    expect(() => compileRecordCheck({ properties: { at: { $ref: '#/%E0%A4%A' } } })).toThrow(
      'points at nothing',
    )
    const schema = JSON.parse(
      '{"type":"object","properties":{"__proto__":{"$ref":"WellKnownTypes.json#/definitions/Boolean"}}}',
    )
    const check = compileRecordCheck(schema)
    expect(Object.getPrototypeOf(Object.prototype)).toBe(null)
    expect(check.check(JSON.parse('{"__proto__":"not a boolean"}'))).toBe(false)
    expect(check.check(JSON.parse('{"__proto__":true}'))).toBe(true)
  })

  it('leaves values that look like references alone', () => {
    const check = compileRecordCheck({
      type: 'object',
      properties: { kind: { enum: [{ $ref: 'x.json' }, 'plain'] } },
    })
    expect(check.check({ kind: { $ref: 'x.json' } })).toBe(true)
    expect(check.check({ kind: {} })).toBe(false)
  })
})
