import type { PatchbayError } from '@patchbay/core'
import { describe, expect, it } from 'vitest'
import { loadCatalog } from '../src/_catalog.ts'
import { readAirbyte } from '../src/index.ts'

// Airbyte's data types (docs.airbyte.com, "Airbyte Protocol data types"): timestamps and
// times with and without a time zone share the `date-time` and `time` formats, told apart by
// `airbyte_type`; source-postgres writes a `timestamp` column as timestamp_without_timezone.
const catalog = loadCatalog(
  {
    streams: [
      {
        stream: {
          name: 'orders',
          json_schema: {
            type: 'object',
            required: ['id'],
            properties: {
              id: { type: 'integer' },
              placed_at: { type: 'string', format: 'date-time', airbyte_type: 'timestamp_without_timezone' },
              paid_at: {
                type: ['null', 'string'],
                format: 'date-time',
                airbyte_type: 'timestamp_with_timezone',
              },
              opens: { type: 'string', format: 'time', airbyte_type: 'time_without_timezone' },
              closes: { type: 'string', format: 'time', airbyte_type: 'time_with_timezone' },
              day: { type: 'string', format: 'date' },
            },
          },
        },
        primary_key: [['id']],
      },
    ],
  },
  '/',
  true,
)

const record = (data: Record<string, unknown>) =>
  JSON.stringify({ type: 'RECORD', record: { stream: 'orders', data, emitted_at: 1_700_000_000_000 } })

async function read(lines: string[]) {
  const events: unknown[] = []
  try {
    for await (const batch of readAirbyte(
      (async function* () {
        yield* lines
      })(),
      {
        streams: { orders: { type: 'track', event: 'Order Placed', userId: 'id' } },
        catalog,
        batchSize: 10,
        file: 'source-postgres stdout',
      },
    ))
      events.push(...batch.events)
  } catch (error) {
    return { events, error: error as PatchbayError }
  }
  return { events }
}

describe("records checked against the catalog's json_schema", () => {
  it('takes every Airbyte date and time type as the protocol writes it', async () => {
    const { events, error } = await read([
      record({
        id: 1,
        placed_at: '2022-11-22T01:23:45',
        paid_at: '2022-11-22T01:23:45.123456+05:00',
        opens: '01:23:45',
        closes: '01:23:45.123+05:00',
        day: '2022-11-22',
      }),
      record({
        id: 2,
        placed_at: '2022-11-22T01:23:45.123456',
        paid_at: null,
        opens: '23:59:59.999999',
        closes: '00:00:00Z',
        day: '0044-03-15 BC',
      }),
    ])
    expect(error).toBeUndefined()
    expect(events).toHaveLength(2)
  })

  it('still refuses a value that is no date, with its line and field', async () => {
    const { events, error } = await read([
      record({
        id: 1,
        placed_at: '2022-11-22T01:23:45',
        opens: '01:23:45',
        closes: '01:23:45Z',
        day: '2022-11-22',
      }),
      record({
        id: 2,
        placed_at: '2022-11-31T01:23:45',
        opens: '01:23:45',
        closes: '01:23:45Z',
        day: '2022-11-22',
      }),
    ])
    expect(events).toHaveLength(0)
    expect(error?.code).toBe('PB_AIRBYTE_SCHEMA_VIOLATION')
    expect(error?.message).toBe(
      'source-postgres stdout:2: the RECORD of stream "orders" does not match its json_schema: /placed_at must match format "date-time"',
    )
  })
})
