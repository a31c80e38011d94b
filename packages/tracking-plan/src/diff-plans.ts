import { OTHER_TYPES, type PlannedEvent, type TrackingPlan } from './plan-schema.ts'

/** The kinds of change `diffPlans` reports; the first six break existing senders. */
export type PlanChangeKind =
  | 'event-removed'
  | 'made-required'
  | 'type-narrowed'
  | 'enum-narrowed'
  | 'property-removed'
  | 'additional-properties-closed'
  | 'unplanned-events-closed'
  | 'event-added'
  | 'property-added'
  | 'type-widened'
  | 'enum-widened'
  | 'made-optional'

export interface PlanChange {
  kind: PlanChangeKind
  /** An event a sender conforming to the old plan may now send, that the new plan flags. */
  breaking: boolean
  /** `track "Order Completed"`, `identify`, `settings`. */
  where: string
  property?: string
  message: string
}

const BREAKING = new Set<PlanChangeKind>([
  'event-removed',
  'made-required',
  'type-narrowed',
  'enum-narrowed',
  'property-removed',
  'additional-properties-closed',
  'unplanned-events-closed',
])

/**
 * Compares two plans and says which changes break senders that follow the old one: an event
 * removed, a property made required (or a new required one), a type narrowed (`[string,
 * number]` → `string`, `number` → `integer`), an enum narrowed (or added), a property removed
 * where additional properties are not allowed, additional properties or unplanned events no
 * longer allowed. Additions and widenings are listed too, as not breaking.
 */
export function diffPlans(before: TrackingPlan, after: TrackingPlan): PlanChange[] {
  const changes: PlanChange[] = []
  const add = (kind: PlanChangeKind, where: string, message: string, property?: string) =>
    changes.push({ kind, breaking: BREAKING.has(kind), where, ...(property ? { property } : {}), message })
  const unplannedBefore = before.settings?.allowUnplannedEvents ?? false
  const unplannedAfter = after.settings?.allowUnplannedEvents ?? false
  if (unplannedBefore && !unplannedAfter)
    add('unplanned-events-closed', 'settings', 'unplanned track events were allowed and now are violations')
  const additionalBefore = before.settings?.additionalProperties ?? true
  const additionalAfter = after.settings?.additionalProperties ?? true
  for (const [name, old] of Object.entries(before.track ?? {})) {
    const next = after.track?.[name]
    const where = `track "${name}"`
    if (!next) {
      if (!unplannedAfter)
        add('event-removed', where, `${where} was removed: senders of it now get Unplanned-Event`)
      continue
    }
    compareEvent(old, next, where, additionalBefore, additionalAfter, add)
  }
  for (const name of Object.keys(after.track ?? {}))
    if (!before.track?.[name]) add('event-added', `track "${name}"`, `track "${name}" was added`)
  for (const type of OTHER_TYPES) {
    const old = before[type]
    const next = after[type]
    if (old && next) compareEvent(old, next, type, additionalBefore, additionalAfter, add)
    else if (!old && next) {
      if (next.required?.length)
        add('made-required', type, `${type} is now planned with required ${next.required.join(', ')}`)
      else add('event-added', type, `${type} is now planned`)
    }
  }
  return changes
}

function compareEvent(
  old: PlannedEvent,
  next: PlannedEvent,
  where: string,
  additionalBefore: boolean,
  additionalAfter: boolean,
  add: (kind: PlanChangeKind, where: string, message: string, property?: string) => void,
) {
  const oldRequired = new Set(old.required ?? [])
  const newRequired = new Set(next.required ?? [])
  for (const p of newRequired)
    if (!oldRequired.has(p)) add('made-required', where, `${where}: ${p} is now required`, p)
  for (const p of oldRequired)
    if (!newRequired.has(p)) add('made-optional', where, `${where}: ${p} is no longer required`, p)
  const openBefore = old.additionalProperties ?? additionalBefore
  const openAfter = next.additionalProperties ?? additionalAfter
  if (openBefore && !openAfter)
    add(
      'additional-properties-closed',
      where,
      `${where}: properties the plan does not name are no longer allowed`,
    )
  const oldProps = old.properties ?? {}
  const newProps = next.properties ?? {}
  for (const [p, schema] of Object.entries(oldProps)) {
    const to = newProps[p]
    if (!to) {
      if (!openAfter)
        add('property-removed', where, `${where}: ${p} was removed and other properties are not allowed`, p)
      continue
    }
    compareProperty(schema, to, where, p, add)
  }
  for (const p of Object.keys(newProps))
    if (!(p in oldProps) && !newRequired.has(p))
      add('property-added', where, `${where}: ${p} was added (optional)`, p)
}

function compareProperty(
  old: Record<string, unknown>,
  next: Record<string, unknown>,
  where: string,
  property: string,
  add: (kind: PlanChangeKind, where: string, message: string, property?: string) => void,
) {
  const before = types(old)
  const after = types(next)
  const accepts = (set: Set<string>, t: string) => set.has(t) || (t === 'integer' && set.has('number'))
  const lost = [...before].filter((t) => !accepts(after, t))
  const gained = [...after].filter((t) => !accepts(before, t))
  if (lost.length > 0)
    add(
      'type-narrowed',
      where,
      `${where}: ${property} no longer accepts ${lost.join(', ')} (was ${[...before].join('|')}, now ${[...after].join('|')})`,
      property,
    )
  else if (gained.length > 0)
    add('type-widened', where, `${where}: ${property} also accepts ${gained.join(', ')}`, property)
  const oldEnum = Array.isArray(old.enum) ? old.enum : undefined
  const newEnum = Array.isArray(next.enum) ? next.enum : undefined
  if (newEnum && !oldEnum)
    add(
      'enum-narrowed',
      where,
      `${where}: ${property} is now limited to ${newEnum.map(String).join(', ')}`,
      property,
    )
  else if (oldEnum && newEnum) {
    const dropped = oldEnum.filter((v) => !newEnum.some((n) => JSON.stringify(n) === JSON.stringify(v)))
    const added = newEnum.filter((v) => !oldEnum.some((o) => JSON.stringify(o) === JSON.stringify(v)))
    if (dropped.length > 0)
      add(
        'enum-narrowed',
        where,
        `${where}: ${property} no longer accepts ${dropped.map((v) => JSON.stringify(v)).join(', ')}`,
        property,
      )
    else if (added.length > 0)
      add(
        'enum-widened',
        where,
        `${where}: ${property} also accepts ${added.map((v) => JSON.stringify(v)).join(', ')}`,
        property,
      )
  } else if (oldEnum && !newEnum)
    add('enum-widened', where, `${where}: ${property} is no longer limited to a list of values`, property)
}

const ALL = ['string', 'number', 'boolean', 'object', 'array', 'null']
function types(schema: Record<string, unknown>): Set<string> {
  const t = schema.type
  if (t === undefined) return new Set(ALL)
  return new Set((Array.isArray(t) ? t : [t]).map(String))
}
