import type { PatchbayEvent } from '@patchbay/protocol'
import { Compile } from 'typebox/compile'
import { OTHER_TYPES, type PlannedEvent, type TrackingPlan } from './plan-schema.ts'
import { type Violation, violationType } from './violation.ts'

type Validator = ReturnType<typeof Compile>

/** A plan compiled once into validators: one per planned call, looked up by type and name. */
export interface CompiledPlan {
  readonly name: string
  readonly version: number
  readonly plan: TrackingPlan
  /** The violations of one event; empty when it follows the plan. */
  validate(event: PatchbayEvent): Violation[]
  /** The bounded name metrics use for the event: a planned track name, `(unplanned)`, or the type. */
  label(event: PatchbayEvent): string
}

interface Entry {
  /** The fast check: the schema with additional properties allowed, plus a key set when they are not. */
  check(value: unknown): boolean
  /** Per planned property, its own compiled validator, to find and explain the violations. */
  properties: Array<{ name: string; validator: Validator; types: string[] | undefined }>
  required: readonly string[]
  /** The property names, when no others are allowed. */
  known: Set<string> | undefined
  /** `properties` for track/page/screen, `traits` for identify/group. */
  field: 'properties' | 'traits'
}

const EMPTY: unknown = Object.freeze({})
const NONE: Violation[] = []

/** The JSON Schema of one planned call's properties (or traits). */
export function entrySchema(event: PlannedEvent, additionalDefault: boolean) {
  return {
    type: 'object',
    properties: event.properties ?? {},
    ...(event.required?.length ? { required: event.required } : {}),
    additionalProperties: event.additionalProperties ?? additionalDefault,
  }
}

/**
 * Compiles a plan (validated by `loadPlanFile`/`parsePlan`) into validators. A valid event
 * costs one map lookup and one compiled check; errors are collected only for invalid ones.
 */
export function compilePlan(plan: TrackingPlan): CompiledPlan {
  const additional = plan.settings?.additionalProperties ?? true
  const allowUnplanned = plan.settings?.allowUnplannedEvents ?? false
  const compile = (event: PlannedEvent, field: Entry['field']): Entry => {
    const schema = entrySchema(event, additional)
    // TypeBox checks `additionalProperties: false` with a regex per key; a Set is ~10x faster.
    const open = Compile({ ...schema, additionalProperties: true } as never)
    const known = schema.additionalProperties ? undefined : new Set(Object.keys(schema.properties))
    return {
      check: known
        ? (value) => {
            if (!open.Check(value)) return false
            for (const key in value as object) if (!known.has(key)) return false
            return true
          }
        : (value) => open.Check(value),
      properties: Object.entries(schema.properties).map(([name, s]) => {
        const type = (s as { type?: unknown }).type
        const types = type === undefined ? undefined : (Array.isArray(type) ? type : [type]).map(String)
        return { name, validator: Compile(s as never), types }
      }),
      required: event.required ?? [],
      known,
      field,
    }
  }
  const track = new Map<string, Entry>()
  for (const [name, event] of Object.entries(plan.track ?? {})) track.set(name, compile(event, 'properties'))
  const others = new Map<string, Entry>()
  for (const type of OTHER_TYPES) {
    const event = plan[type]
    if (event)
      others.set(type, compile(event, type === 'identify' || type === 'group' ? 'traits' : 'properties'))
  }

  const entryOf = (event: PatchbayEvent): Entry | undefined =>
    event.type === 'track' ? track.get((event as { event: string }).event) : others.get(event.type)

  return {
    name: plan.name,
    version: plan.version,
    plan,
    validate(event) {
      const entry = entryOf(event)
      if (!entry) {
        if (event.type !== 'track' || allowUnplanned) return NONE
        const name = (event as { event: string }).event
        return [
          {
            type: 'Unplanned-Event',
            message: `tracking plan ${plan.name} v${plan.version} has no track event "${name}"`,
            meta: {},
          },
        ]
      }
      const value = (event as Record<string, unknown>)[entry.field] ?? EMPTY
      if (entry.check(value)) return NONE
      return toViolations(entry, value)
    },
    label(event) {
      if (event.type !== 'track') return event.type
      const name = (event as { event: string }).event
      return track.has(name) ? name : '(unplanned)'
    },
  }
}

/**
 * The violations of a value that failed its check, property by property (TypeBox's `Errors`
 * on a whole 20-property schema is slow; on one property's schema it is cheap, and only the
 * failing properties are asked).
 */
function toViolations(entry: Entry, value: unknown): Violation[] {
  const out: Violation[] = []
  const record = value as Record<string, unknown>
  const base = `/${entry.field}`
  const schemaBase = `#/${entry.field}`
  for (const missing of entry.required)
    if (record[missing] === undefined)
      out.push({
        type: 'Required-Missing',
        message: `must have required property '${missing}'`,
        meta: { instancePath: base, schemaPath: `${schemaBase}/required`, missingProperty: missing },
      })
  for (const { name, validator, types } of entry.properties) {
    const item = record[name]
    if (item === undefined || validator.Check(item)) continue
    const at = `/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`
    // The common case, a wrong type, is told apart without TypeBox's (slow) Errors.
    if (types && !types.some((t) => hasType(item, t))) {
      out.push({
        type: 'Datatype-Mismatch',
        message: `must be ${types.join(' or ')}`,
        meta: {
          instancePath: `${base}${at}`,
          schemaPath: `${schemaBase}/properties${at}/type`,
          keyword: 'type',
        },
      })
      continue
    }
    for (const error of validator.Errors(item)) {
      if (error.keyword === 'boolean') continue
      out.push({
        type: violationType(error.keyword),
        message: error.message,
        meta: {
          instancePath: `${base}${at}${error.instancePath}`,
          schemaPath: `${schemaBase}/properties${at}${error.schemaPath.slice(1)}/${error.keyword}`,
          keyword: error.keyword,
        },
      })
    }
  }
  if (entry.known)
    for (const extra of Object.keys(record))
      if (!entry.known.has(extra))
        out.push({
          type: 'Additional-Properties',
          message: `must NOT have additional properties: '${extra}'`,
          meta: {
            instancePath: base,
            schemaPath: `${schemaBase}/additionalProperties`,
            additionalProperty: extra,
          },
        })
  return out
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string'
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
    case 'integer':
      return Number.isInteger(value)
    case 'boolean':
      return typeof value === 'boolean'
    case 'null':
      return value === null
    case 'array':
      return Array.isArray(value)
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value)
    default:
      return true
  }
}
