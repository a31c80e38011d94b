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
  validator: Validator
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
  const compile = (event: PlannedEvent, field: Entry['field']): Entry => ({
    validator: Compile(entrySchema(event, additional) as never),
    field,
  })
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
      if (entry.validator.Check(value)) return NONE
      return toViolations(entry, value)
    },
    label(event) {
      if (event.type !== 'track') return event.type
      const name = (event as { event: string }).event
      return track.has(name) ? name : '(unplanned)'
    },
  }
}

function toViolations(entry: Entry, value: unknown): Violation[] {
  const out: Violation[] = []
  for (const error of entry.validator.Errors(value)) {
    // `additionalProperties: false` reports each extra key twice (as a false schema too).
    if (error.keyword === 'boolean') continue
    const params = error.params as { requiredProperties?: string[]; additionalProperties?: string[] }
    const base = `/${entry.field}${error.instancePath}`
    const schemaPath = `#/${entry.field}${error.schemaPath.slice(1)}`
    if (error.keyword === 'required') {
      for (const missing of params.requiredProperties ?? [])
        out.push({
          type: 'Required-Missing',
          message: `must have required property '${missing}'`,
          meta: { instancePath: base, schemaPath: `${schemaPath}/required`, missingProperty: missing },
        })
      continue
    }
    if (error.keyword === 'additionalProperties') {
      for (const extra of params.additionalProperties ?? [])
        out.push({
          type: 'Additional-Properties',
          message: `must NOT have additional properties: '${extra}'`,
          meta: {
            instancePath: base,
            schemaPath: `${schemaPath}/additionalProperties`,
            additionalProperty: extra,
          },
        })
      continue
    }
    out.push({
      type: violationType(error.keyword),
      message: error.message,
      meta: { instancePath: base, schemaPath: `${schemaPath}/${error.keyword}`, keyword: error.keyword },
    })
  }
  return out
}
