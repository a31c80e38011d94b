import { join } from 'node:path'
import type { PatchbayEvent } from '@patchbay/protocol'
import { describe, expect, it } from 'vitest'
import { applyAction, compilePlan, loadPlanFile, parsePlan } from '../src/index.ts'

const plan = compilePlan(loadPlanFile(join(import.meta.dirname, 'fixtures/shop.plan.yaml')).plan)
const track = (event: string, properties: Record<string, unknown>) =>
  ({
    type: 'track',
    event,
    properties,
    messageId: 'm-1',
    userId: 'u-1',
    timestamp: '2026-01-01T00:00:00.000Z',
  }) as unknown as PatchbayEvent

describe('compilePlan', () => {
  it('accepts an event that follows the plan', () => {
    expect(plan.validate(track('Order Completed', { order_id: 'o-1', total: 5, currency: 'EUR' }))).toEqual(
      [],
    )
  })

  it('classifies each violation type as RudderStack does', () => {
    expect(plan.validate(track('Order Complete', {}))).toEqual([
      {
        type: 'Unplanned-Event',
        message: 'tracking plan shop v2 has no track event "Order Complete"',
        meta: {},
      },
    ])
    expect(plan.validate(track('Order Completed', { total: 5 }))).toEqual([
      {
        type: 'Required-Missing',
        message: "must have required property 'order_id'",
        meta: {
          instancePath: '/properties',
          schemaPath: '#/properties/required',
          missingProperty: 'order_id',
        },
      },
    ])
    expect(plan.validate(track('Order Completed', { order_id: 'o', total: '5' }))).toEqual([
      {
        type: 'Datatype-Mismatch',
        message: 'must be number',
        meta: {
          instancePath: '/properties/total',
          schemaPath: '#/properties/properties/total/type',
          keyword: 'type',
        },
      },
    ])
    expect(plan.validate(track('Order Completed', { order_id: 'o', total: 5, gift: true }))).toEqual([
      {
        type: 'Additional-Properties',
        message: "must NOT have additional properties: 'gift'",
        meta: {
          instancePath: '/properties',
          schemaPath: '#/properties/additionalProperties',
          additionalProperty: 'gift',
        },
      },
    ])
    expect(
      plan
        .validate(track('Order Completed', { order_id: 'o', total: -1, currency: 'GBP' }))
        .map((v) => [v.type, v.meta.instancePath, v.meta.keyword]),
    ).toEqual([
      ['Unknown-Violation', '/properties/total', 'minimum'],
      ['Unknown-Violation', '/properties/currency', 'enum'],
    ])
  })

  it('checks identify traits and formats', () => {
    const identify = {
      type: 'identify',
      userId: 'u',
      messageId: 'm',
      traits: { email: 'nope', plan: 'pro' },
    } as unknown as PatchbayEvent
    expect(plan.validate(identify).map((v) => [v.type, v.meta.instancePath])).toEqual([
      ['Unknown-Violation', '/traits/email'],
    ])
    expect(plan.label(identify)).toBe('identify')
    expect(plan.label(track('Nope', {}))).toBe('(unplanned)')
    expect(plan.label(track('Order Completed', {}))).toBe('Order Completed')
  })

  it('lets unplanned events through when the plan allows them', () => {
    const open = compilePlan(
      parsePlan('name: open\nversion: 1\nsettings: { allowUnplannedEvents: true }\n').plan,
    )
    expect(open.validate(track('Anything', { a: 1 }))).toEqual([])
  })

  it('makes every unnamed property a violation when additionalProperties is false', () => {
    const closed = compilePlan(
      parsePlan(
        'name: closed\nversion: 1\nsettings: { additionalProperties: false }\ntrack:\n  A: { properties: { x: { type: string } } }\n',
      ).plan,
    )
    expect(closed.validate(track('A', { x: 'a', y: 1 })).map((v) => v.type)).toEqual([
      'Additional-Properties',
    ])
  })
})

describe('applyAction', () => {
  const event = Object.freeze(
    track('Order Completed', { order_id: 'o', total: '5', gift: true, coupon: 'X' }),
  )
  const violations = plan.validate(event)

  it('forward attaches the violations where RudderStack puts them', () => {
    const applied = applyAction('forward', event, violations, plan)
    const context = (applied.event as { context: Record<string, unknown> }).context
    expect(context).toEqual({ trackingPlanId: 'shop', trackingPlanVersion: 2, violationErrors: violations })
    expect((applied.event as { properties: unknown }).properties).toEqual(event.properties)
  })

  it('omit removes the offending properties and keeps the rest', () => {
    const applied = applyAction('omit', event, violations, plan)
    expect((applied.event as { properties: unknown }).properties).toEqual({ order_id: 'o', coupon: 'X' })
    expect(applied).toMatchObject({ omitted: ['total', 'gift'] })
  })

  it('drop says why', () => {
    expect(applyAction('drop', event, violations, plan)).toEqual({
      event: undefined,
      dropped: 'tracking plan shop v2: Datatype-Mismatch at /properties/total (+1 more)',
    })
  })
})

describe('loadPlanFile', () => {
  const load = (text: string) => () => parsePlan(text, { file: '/repo/plan.yaml' })

  it('names file, line, event and field for a schema error', () => {
    expect(
      load(
        'name: shop\nversion: 1\ntrack:\n  Order Completed:\n    properties:\n      total: { type: money }\n',
      ),
    ).toThrow(
      'plan.yaml:6:16: track "Order Completed", property total: type "money" is not a JSON Schema type',
    )
    expect(load('name: shop\nversion: 1\ntrack:\n  A:\n    required: [x]\n')).toThrow(
      'plan.yaml:5:16: track "A": "x" is required but not among its properties',
    )
    expect(load('name: shop\nversion: 1\ntrack:\n  A:\n    propertes: {}\n')).toThrow(
      'plan.yaml:5:5: track "A".propertes',
    )
    expect(load('name: shop\nversion: zero\n')).toThrow('plan.yaml:2:1: version: must be integer')
  })

  it('reports YAML syntax errors with their position', () => {
    expect(load('name: shop\nversion: 1\ntrack: [\n')).toThrow(/plan\.yaml:\d+:\d+: /)
  })

  it('says when the file cannot be read', () => {
    expect(() => loadPlanFile('/nonexistent/plan.yaml')).toThrow(
      'Cannot read tracking plan /nonexistent/plan.yaml',
    )
  })
})
