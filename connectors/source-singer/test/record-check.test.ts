import type { PatchbayError } from '@patchbay/core'
import { Format, IsDateTime } from 'typebox/format'
import { describe, expect, it } from 'vitest'
import { isDateTime } from '../src/_date-time.ts'
import { compileRecordCheck, recordCheckCache } from '../src/_record-check.ts'
import { readSinger } from '../src/index.ts'

const SAMPLES = [
  '2026-11-01T10:00:00Z',
  '2026-11-01t10:00:00z',
  '2026-11-01T10:00:00.123456Z',
  '2026-11-01T10:00:00+05:30',
  '2026-11-01T10:00:00.5-08:00',
  '2024-02-29T00:00:00Z',
  '2000-02-29T23:59:59Z',
  '1900-02-29T00:00:00Z',
  '2023-02-29T00:00:00Z',
  '2026-04-31T00:00:00Z',
  '2026-12-31T23:59:60Z',
  '2026-12-31T23:59:60+01:00',
  '2026-12-31T22:59:60-01:00',
  '2026-13-01T00:00:00Z',
  '2026-00-10T00:00:00Z',
  '2026-01-00T00:00:00Z',
  '2026-01-01T24:00:00Z',
  '2026-01-01T23:60:00Z',
  '2026-01-01T00:00:00',
  '2026-01-01T00:00:00.Z',
  '2026-01-01T00:00:00+24:00',
  '2026-01-01T00:00:00+05:60',
  '2026-01-01T00:00:00+0530',
  '2026-01-01 00:00:00Z',
  '2026-01-01T00:00:00Z[Europe/Paris]',
  '2026-01-01T00:00:00+01:00[Europe/Paris][u-ca=iso8601]',
  '2026-01-01T00:00:00Zjunk',
  '２026-01-01T00:00:00Z',
  '+02026-01-01T00:00:00Z',
  '',
  'T',
]

// Every string one edit away from a valid date-time: the fast path must agree on each.
function* mutations(base: string): Generator<string> {
  const alphabet = '0123456789-:.+TtZz[] x'
  for (let i = 0; i <= base.length; i++) {
    yield base.slice(0, i) + base.slice(i + 1)
    for (const c of alphabet) {
      yield base.slice(0, i) + c + base.slice(i + 1)
      yield base.slice(0, i) + c + base.slice(i)
    }
  }
}

describe('the date-time check of record schemas', () => {
  it("answers as typebox's IsDateTime does", () => {
    let compared = 0
    const disagree: string[] = []
    for (const sample of SAMPLES)
      for (const value of [sample, ...mutations(sample)]) {
        if (isDateTime(value) !== IsDateTime(value)) disagree.push(value)
        compared++
      }
    expect(disagree).toEqual([])
    expect(compared).toBeGreaterThan(10_000)
  })

  it('is bound in the compiled check, and the registry is restored after compiling', () => {
    const schema = { type: 'object', properties: { at: { type: 'string', format: 'date-time' } } }
    const check = compileRecordCheck(schema)
    expect(Format.Get('date-time')).toBe(IsDateTime)
    expect(check.Check({ at: '2026-11-01T10:00:00Z' })).toBe(true)
    expect(check.Check({ at: '2026-11-01T10:00:60Z' })).toBe(false)
    const errors = [...check.Errors({ at: '2026-02-30T10:00:00Z' })]
    expect(errors[0]).toMatchObject({ instancePath: '/at', keyword: 'format' })
  })

  it('keeps a date-time format the host registered', () => {
    const strict = (value: string) => value.endsWith('Z')
    Format.Set('date-time', strict)
    try {
      const check = compileRecordCheck({ type: 'string', format: 'date-time' })
      expect(Format.Get('date-time')).toBe(strict)
      expect(check.Check('2026-11-01T10:00:00+01:00')).toBe(false)
    } finally {
      Format.Set('date-time', IsDateTime)
    }
  })

  it('compiles a SCHEMA sent again once, and a changed one anew', () => {
    const compile = recordCheckCache()
    const ints = { type: 'object', properties: { id: { type: 'integer' } } }
    const strings = { type: 'object', properties: { id: { type: 'string' } } }
    const a = compile('people', ints)
    expect(compile('people', structuredClone(ints))).toBe(a)
    expect(compile('orders', ints)).not.toBe(a)
    const b = compile('people', strings)
    expect(b).not.toBe(a)
    expect([a.Check({ id: 'x' }), b.Check({ id: 'x' })]).toEqual([false, true])
    expect(compile('people', ints)).not.toBe(b)
  })
})

describe('readSinger with date-time fields', () => {
  const lines = async function* (messages: unknown[]) {
    for (const m of messages) yield JSON.stringify(m)
  }
  const schema = (format: string) => ({
    type: 'SCHEMA',
    stream: 'people',
    key_properties: ['id'],
    schema: { type: 'object', properties: { id: { type: 'integer' }, at: { type: 'string', format } } },
  })
  const record = (id: number, at: string) => ({ type: 'RECORD', stream: 'people', record: { id, at } })
  const read = async (messages: unknown[]) => {
    const events: unknown[] = []
    try {
      for await (const batch of readSinger(lines(messages), {
        streams: { people: { type: 'identify', userId: 'id' } },
        validateRecords: true,
        batchSize: 1,
        file: 'tap stdout',
        connector: 'singer',
      }))
        events.push(...batch.events)
    } catch (error) {
      return { events, error: error as PatchbayError }
    }
    return { events }
  }

  it('refuses a record whose date-time is not one, at its line and field', async () => {
    const { events, error } = await read([
      schema('date-time'),
      record(1, '2026-11-01T10:00:00.25+01:00'),
      record(2, '2026-02-30T10:00:00Z'),
    ])
    expect(events).toHaveLength(1)
    expect(error?.code).toBe('PB_SINGER_SCHEMA_VIOLATION')
    expect(error?.message).toMatch(/^tap stdout:3: .*: \/at must match format "date-time"$/)
  })

  it('checks the records after a changed SCHEMA against the new one', async () => {
    const { events, error } = await read([
      schema('date-time'),
      record(1, '2026-11-01T10:00:00Z'),
      schema('date'),
      record(2, '2026-11-01'),
      record(3, '2026-11-01T10:00:00Z'),
    ])
    expect(events).toHaveLength(2)
    expect(error?.message).toMatch(/^tap stdout:5: .*: \/at must match format "date"$/)
  })
})
