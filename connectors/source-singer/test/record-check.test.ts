import type { PatchbayError } from '@patchbay/core'
import { describe, expect, it } from 'vitest'
import { recordCheckCache } from '../src/_record-check.ts'
import { readSinger } from '../src/index.ts'

describe('the record checks of a tap', () => {
  it('compiles a SCHEMA sent again once, and a changed one anew', () => {
    const compile = recordCheckCache()
    const ints = { type: 'object', properties: { id: { type: 'integer' } } }
    const strings = { type: 'object', properties: { id: { type: 'string' } } }
    const a = compile('people', ints)
    expect(compile('people', structuredClone(ints))).toBe(a)
    expect(compile('orders', ints)).not.toBe(a)
    const b = compile('people', strings)
    expect(b).not.toBe(a)
    expect([a.check({ id: 'x' }), b.check({ id: 'x' })]).toEqual([false, true])
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
      schema('time'),
      record(2, '10:00:00'),
      record(3, '2026-11-01T10:00:00Z'),
    ])
    expect(events).toHaveLength(2)
    expect(error?.message).toMatch(/^tap stdout:5: .*: \/at must match format "time"$/)
  })

  // What the Meltano Singer SDK writes for a table with date, time and naive timestamp
  // columns (its conform step: a date as a midnight date-time, a time as Python prints it,
  // a timestamp with its offset, or none when a tap formats it itself).
  it('takes the date, time and timestamp columns of a Singer SDK tap as it writes them', async () => {
    const sdkSchema = {
      type: 'SCHEMA',
      stream: 'people',
      key_properties: ['id'],
      schema: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          born: { type: ['string', 'null'], format: 'date' },
          opens: { type: ['string', 'null'], format: 'time' },
          seen: { type: ['string', 'null'], format: 'date-time' },
        },
      },
    }
    const rows = [
      { id: 1, born: '1990-05-17T00:00:00+00:00', opens: '09:30:00', seen: '2026-11-01T10:00:00+00:00' },
      { id: 2, born: '1990-05-17', opens: '09:30:00.250000', seen: '2026-11-01T10:00:00.123456' },
      { id: 3, born: null, opens: null, seen: '2026-11-01 10:00:00' },
    ]
    const ok = await read([sdkSchema, ...rows.map((r) => ({ type: 'RECORD', stream: 'people', record: r }))])
    expect(ok.error).toBeUndefined()
    expect(ok.events).toHaveLength(3)
    const bad = await read([
      sdkSchema,
      { type: 'RECORD', stream: 'people', record: { id: 4, opens: '9:30' } },
    ])
    expect(bad.error?.message).toMatch(/^tap stdout:2: .*: \/opens must match format "time"$/)
  })
})
