import type { PatchbayEvent } from '@patchbay/protocol'
import { describe, expect, it } from 'vitest'
import { applyChanges, planLoad, postgresDialect, type WarehouseSchema } from '../src/index.ts'

const at = '2026-12-01T10:00:00.000Z'
const track = (id: string, properties: Record<string, unknown>) =>
  ({
    type: 'track',
    event: 'Signed Up',
    messageId: id,
    userId: 'u1',
    receivedAt: at,
    properties,
  }) as unknown as PatchbayEvent

describe('planLoad', () => {
  it('infers types, adds new tables and columns, and keeps one row per id', () => {
    const schema: WarehouseSchema = new Map()
    const plan = planLoad(
      [track('a', { n: 1, f: 1.5, ok: true, at, tags: ['x'], s: 'text' }), track('a', { n: 1 })],
      schema,
      postgresDialect,
    )
    const own = plan.changes.find((c) => c.table === 'signed_up')!
    expect(own.create).toBe(true)
    expect(Object.fromEntries(own.columns)).toMatchObject({
      n: 'int',
      f: 'float',
      ok: 'boolean',
      at: 'timestamp',
      tags: 'json',
      s: 'string',
      id: 'string',
      received_at: 'timestamp',
    })
    const rows = plan.tables.find((t) => t.table === 'signed_up')!.rows
    expect(rows).toHaveLength(1)
    expect(rows[0]).toContain('["x"]')
  })

  it('sends values that do not fit their column to the discards; a column never changes type', () => {
    const schema: WarehouseSchema = new Map()
    applyChanges(
      schema,
      planLoad([track('a', { n: 1, f: 2.5, label: 'x' })], schema, postgresDialect).changes,
    )
    const plan = planLoad([track('b', { n: 'many', f: 3, label: 4, extra: true })], schema, postgresDialect)
    expect(plan.changes).toEqual([
      { table: 'signed_up', create: false, columns: [['extra', 'boolean']] },
      {
        table: 'patchbay_discards',
        create: true,
        columns: expect.any(Array),
      },
    ])
    expect(plan.tables.find((t) => t.table === 'patchbay_discards')!.rows).toEqual([
      ['b', 'signed_up', 'n', 'many', 'a string value does not fit the int column', at],
    ])
    // A number in a string column loads as its text, as in RudderStack and Segment.
    const load = plan.tables.find((t) => t.table === 'signed_up')!
    expect(load.rows[0]![load.columns.findIndex(([c]) => c === 'label')]).toBe('4')
    expect(schema.get('signed_up')!.get('n')).toBe('int')
  })

  it('merges users by id, later traits winning', () => {
    const identify = (id: string, traits: Record<string, unknown>) =>
      ({ type: 'identify', messageId: id, userId: 'u1', receivedAt: at, traits }) as unknown as PatchbayEvent
    const plan = planLoad(
      [identify('a', { plan: 'free', email: 'a@x' }), identify('b', { plan: 'pro' })],
      new Map(),
      postgresDialect,
    )
    const users = plan.tables.find((t) => t.table === 'users')!
    expect(users.upsert).toBe(true)
    expect(users.rows).toHaveLength(1)
    const row = Object.fromEntries(users.columns.map(([c], i) => [c, users.rows[0]![i]]))
    expect(row).toMatchObject({ id: 'u1', plan: 'pro', email: 'a@x' })
  })

  it('maps an event that comes twice in one batch once: the first copy, in one event table', () => {
    const first = { ...track('d2', { total: 1 }), event: 'Order Completed' } as PatchbayEvent
    const again = { ...track('d2', { total: 1 }), event: 'Product Viewed' } as PatchbayEvent
    const plan = planLoad([first, again], new Map(), postgresDialect)
    expect(plan.tables.map((t) => t.table).sort()).toEqual(['order_completed', 'tracks'])
    expect(plan.tables.find((t) => t.table === 'tracks')!.rows).toHaveLength(1)
  })

  it('types as timestamps only real calendar days and clock times; the rest load as strings', () => {
    const plan = planLoad(
      [
        track('t', {
          ok: '2024-02-29T10:00:00Z',
          east: '2026-12-01T10:00:00+14:00',
          feb30: '2026-02-30T10:00:00Z',
          feb29: '2026-02-29T10:00:00Z',
          year0: '0000-01-01T00:00:00Z',
          hour25: '2026-12-01T25:00:00Z',
          minute60: '2026-12-01T10:60:00Z',
          offset16: '2026-12-01T10:00:00+16:00',
          month13: '2026-13-01T10:00:00Z',
        }),
      ],
      new Map(),
      postgresDialect,
    )
    const columns = Object.fromEntries(plan.changes.find((c) => c.table === 'signed_up')!.columns)
    expect(columns).toMatchObject({
      ok: 'timestamp',
      east: 'timestamp',
      feb30: 'string',
      feb29: 'string',
      year0: 'string',
      hour25: 'string',
      minute60: 'string',
      offset16: 'string',
      month13: 'string',
    })
  })
})
