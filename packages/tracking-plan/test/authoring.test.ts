import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkEvents, compilePlan, diffPlans, inferPlan, parsePlan, type TrackingPlan } from '../src/index.ts'

const events = readFileSync(join(import.meta.dirname, 'fixtures/events.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as unknown)

describe('inferPlan', () => {
  const plan = inferPlan(events, { name: 'shop' })

  it('drafts types, required fields and enums from the events', () => {
    expect(plan.track?.['Order Completed']).toEqual({
      properties: {
        coupon: { type: 'string' },
        currency: { type: 'string', enum: ['EUR', 'USD'] },
        items: { type: 'array', items: { type: 'object' } },
        order_id: { type: 'string' },
        total: { type: 'number' },
      },
      required: ['currency', 'order_id', 'total'],
    })
    expect(plan.track?.['Product Viewed']?.properties?.shipping).toEqual({
      type: 'object',
      properties: { country: { type: 'string' }, days: { type: 'number' } },
      required: ['country', 'days'],
    })
    expect(plan.identify?.required).toEqual(['email', 'plan'])
  })

  it('drafts a plan the events it came from follow, and that loads as a plan file', () => {
    const reloaded = parsePlan(JSON.stringify(plan)).plan
    expect(checkEvents(compilePlan(reloaded), events)).toEqual({ checked: 7, violating: [] })
  })

  it('is what check then holds new traffic to', () => {
    const compiled = compilePlan(plan)
    const { violating } = checkEvents(compiled, [
      {
        type: 'track',
        event: 'Order Completed',
        userId: 'u',
        messageId: 'x',
        properties: { order_id: 1, total: 2, currency: 'GBP' },
      },
    ])
    expect(violating[0]?.violations.map((v) => [v.type, v.meta.instancePath])).toEqual([
      ['Unknown-Violation', '/properties/currency'],
      ['Datatype-Mismatch', '/properties/order_id'],
    ])
  })
})

describe('diffPlans', () => {
  const base = (): TrackingPlan => ({
    name: 'shop',
    version: 1,
    track: {
      A: {
        properties: {
          id: { type: 'string' },
          n: { type: ['number', 'string'] },
          k: { type: 'string', enum: ['x', 'y'] },
          note: { type: 'string' },
        },
        required: ['id'],
      },
      B: { properties: {} },
    },
  })
  const kinds = (after: TrackingPlan) => diffPlans(base(), after).map((c) => [c.kind, c.breaking])

  it('finds no change between equal plans', () => {
    expect(diffPlans(base(), base())).toEqual([])
  })

  it('flags each breaking kind', () => {
    const removed = base()
    delete removed.track!.B
    expect(kinds(removed)).toEqual([['event-removed', true]])
    const required = base()
    required.track!.A!.required = ['id', 'note']
    expect(kinds(required)).toEqual([['made-required', true]])
    const narrowed = base()
    narrowed.track!.A!.properties!.n = { type: 'number' }
    expect(diffPlans(base(), narrowed)).toEqual([
      {
        kind: 'type-narrowed',
        breaking: true,
        where: 'track "A"',
        property: 'n',
        message: 'track "A": n no longer accepts string (was number|string, now number)',
      },
    ])
    const integer = base()
    integer.track!.A!.properties!.n = { type: ['integer', 'string'] }
    expect(kinds(integer)).toEqual([['type-narrowed', true]])
    const enumNarrowed = base()
    enumNarrowed.track!.A!.properties!.k = { type: 'string', enum: ['x'] }
    expect(kinds(enumNarrowed)).toEqual([['enum-narrowed', true]])
    const closed = base()
    closed.track!.A!.additionalProperties = false
    delete closed.track!.A!.properties!.note
    expect(kinds(closed)).toEqual([
      ['additional-properties-closed', true],
      ['property-removed', true],
    ])
  })

  it('lists additions and widenings as not breaking', () => {
    const wider = base()
    wider.track!.C = { properties: {} }
    wider.track!.A!.properties!.k = { type: 'string', enum: ['x', 'y', 'z'] }
    wider.track!.A!.properties!.extra = { type: 'boolean' }
    wider.track!.A!.properties!.id = { type: ['string', 'number'] }
    expect(kinds(wider)).toEqual([
      ['type-widened', false],
      ['enum-widened', false],
      ['property-added', false],
      ['event-added', false],
    ])
  })
})
