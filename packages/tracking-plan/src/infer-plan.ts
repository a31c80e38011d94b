import { OTHER_TYPES, type PlannedEvent, type TrackingPlan } from './plan-schema.ts'

/** A property's observed values, for inference. */
interface Seen {
  count: number
  types: Set<string>
  /** String values, while there are few (undefined once there are too many). */
  values: Set<string> | undefined
  /** Nested object properties. */
  nested: Shape | undefined
  /** Types of array items. */
  items: Set<string>
}
interface Shape {
  objects: number
  props: Map<string, Seen>
}

/** Enum rules: at most this many distinct strings, each seen on average at least twice. */
const MAX_ENUM = 10

/**
 * Drafts a plan from real events, for a person to edit: per track event name (and for
 * identify/group traits, page/screen properties) the properties seen, their JSON types
 * (integers are `number`, so a later 2.5 is not a violation), `required` when present in
 * every event of that name, and an `enum` for strings with at most 10 distinct values that
 * repeat (seen at least twice as often as there are values). Nested objects are inferred the
 * same way. The drafted plan accepts every event it was drafted from.
 */
export function inferPlan(
  events: Iterable<unknown>,
  { name = 'inferred', version = 1 }: { name?: string; version?: number } = {},
): TrackingPlan {
  const track = new Map<string, Shape>()
  const others = new Map<string, Shape>()
  for (const raw of events) {
    if (!raw || typeof raw !== 'object') continue
    const event = raw as Record<string, unknown>
    const type = event.type
    if (type === 'track' && typeof event.event === 'string') {
      observe(shapeOf(track, event.event), event.properties)
    } else if (typeof type === 'string' && (OTHER_TYPES as readonly string[]).includes(type)) {
      observe(
        shapeOf(others, type),
        type === 'identify' || type === 'group' ? event.traits : event.properties,
      )
    }
  }
  const plan: TrackingPlan = {
    name,
    version,
    description:
      'Drafted by `patchbay plan infer`: review the types, required fields and enums before enforcing it.',
    settings: { allowUnplannedEvents: false, additionalProperties: true },
  }
  if (track.size > 0)
    plan.track = Object.fromEntries(
      [...track].sort(([a], [b]) => a.localeCompare(b)).map(([n, s]) => [n, planned(s)]),
    )
  for (const type of OTHER_TYPES) {
    const shape = others.get(type)
    if (shape) plan[type] = planned(shape)
  }
  return plan
}

function shapeOf(map: Map<string, Shape>, key: string): Shape {
  let shape = map.get(key)
  if (!shape) {
    shape = { objects: 0, props: new Map() }
    map.set(key, shape)
  }
  return shape
}

function observe(shape: Shape, value: unknown) {
  shape.objects++
  if (!value || typeof value !== 'object' || Array.isArray(value)) return
  for (const [key, v] of Object.entries(value)) {
    let seen = shape.props.get(key)
    if (!seen) {
      seen = { count: 0, types: new Set(), values: new Set(), nested: undefined, items: new Set() }
      shape.props.set(key, seen)
    }
    seen.count++
    const type = jsonType(v)
    seen.types.add(type)
    if (type === 'string' && seen.values) {
      seen.values.add(v as string)
      if (seen.values.size > MAX_ENUM) seen.values = undefined
    }
    if (type === 'object') {
      seen.nested ??= { objects: 0, props: new Map() }
      observe(seen.nested, v)
    }
    if (type === 'array') for (const item of v as unknown[]) seen.items.add(jsonType(item))
  }
}

function planned(shape: Shape): PlannedEvent {
  const { properties, required } = objectSchema(shape)
  return { properties, ...(required.length > 0 ? { required } : {}) }
}

function objectSchema(shape: Shape) {
  const properties: Record<string, Record<string, unknown>> = {}
  const required: string[] = []
  for (const [key, seen] of [...shape.props].sort(([a], [b]) => a.localeCompare(b))) {
    properties[key] = propertySchema(seen)
    if (seen.count === shape.objects) required.push(key)
  }
  return { properties, required }
}

function propertySchema(seen: Seen): Record<string, unknown> {
  const types = [...seen.types].sort()
  const schema: Record<string, unknown> = { type: types.length === 1 ? types[0] : types }
  if (
    types.length === 1 &&
    types[0] === 'string' &&
    seen.values &&
    seen.values.size > 0 &&
    seen.count >= 2 * seen.values.size
  )
    schema.enum = [...seen.values].sort()
  if (types.length === 1 && types[0] === 'object' && seen.nested) {
    const nested = objectSchema(seen.nested)
    schema.properties = nested.properties
    if (nested.required.length > 0) schema.required = nested.required
  }
  if (types.length === 1 && types[0] === 'array' && seen.items.size > 0) {
    const items = [...seen.items].sort()
    schema.items = { type: items.length === 1 ? items[0] : items }
  }
  return schema
}

function jsonType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  const type = typeof value
  if (type === 'number' || type === 'bigint') return 'number'
  if (type === 'string' || type === 'boolean' || type === 'object') return type
  return 'null'
}
