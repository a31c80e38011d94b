import {
  EVENT_SCHEMAS,
  EVENT_TYPES,
  type EventType,
  type PatchbayEvent,
  validateEvent,
} from '@patchbay/protocol'
import { deepFreeze, SAMPLE_EVENTS } from './_samples.ts'

/**
 * A corpus of hostile but valid events, generated from the protocol schemas (the Singer SDK's
 * target tests are the model): for every type, the fixed sample, the minimal event (required
 * fields only), every optional field present, unicode everywhere, large values, and strings
 * full of characters that break naive quoting (`" \ ~ space`, newlines, `%`, `+`). Ids and
 * times are fixed, so it is the same on every run.
 */
type Schema = Record<string, unknown>
type Flavour = 'full' | 'unicode' | 'large' | 'tricky'

const TIME = '2026-11-22T10:00:00.000Z'
const TEXT: Record<Flavour, string> = {
  full: 'value',
  unicode: 'Zoë Ærøskøbing — 東京 🚀 \u202eevil\u202c ́',
  large: 'x'.repeat(10_000),
  tricky: 'a "quoted" \\ back~slash and space\n%20+plus&amp;<tag>\'',
}
const NUMBER: Record<Flavour, number> = { full: 42, unicode: 7, large: Number.MAX_SAFE_INTEGER, tricky: -0.5 }

/** A free-form object (`properties`, `traits`) in a flavour: nested, with arrays and nulls. */
function dictionary(flavour: Flavour): Record<string, unknown> {
  const text = TEXT[flavour]
  const base: Record<string, unknown> = {
    text,
    number: NUMBER[flavour],
    flag: true,
    nothing: null,
    list: [text, NUMBER[flavour], { nested: text }],
    nested: { deeper: { deepest: text } },
  }
  if (flavour === 'unicode') base['ключ 🔑'] = text
  if (flavour === 'tricky') base['key with "quotes" and \\ and ~'] = text
  if (flavour === 'large') base.many = Array.from({ length: 1000 }, (_, i) => ({ i, text: `item-${i}` }))
  return base
}

function valueFor(schema: Schema, name: string, flavour: Flavour): unknown {
  if (schema.format === 'date-time') return TIME
  if ('const' in schema) return schema.const
  const union = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined
  if (union?.length) return valueFor(union[0]!, name, flavour)
  if (schema.patternProperties || (schema.type === 'object' && !schema.properties)) return dictionary(flavour)
  if (schema.type === 'object') return fill(schema, flavour)
  if (schema.type === 'string') return name === 'ip' ? '203.0.113.7' : TEXT[flavour]
  if (schema.type === 'number' || schema.type === 'integer') return NUMBER[flavour]
  if (schema.type === 'boolean') return true
  return TEXT[flavour]
}

/** Every property of an object schema, filled in. */
function fill(schema: Schema, flavour: Flavour): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>
  return Object.fromEntries(
    Object.entries(properties).map(([name, child]) => [name, valueFor(child, name, flavour)]),
  )
}

function variants(type: EventType): Array<{ name: string; event: Record<string, unknown> }> {
  const schema = EVENT_SCHEMAS[type] as unknown as Schema
  const required = new Set((schema.required as string[]) ?? [])
  const properties = schema.properties as Record<string, Schema>
  const minimal: Record<string, unknown> = { type }
  for (const name of required) if (name !== 'type') minimal[name] = valueFor(properties[name]!, name, 'full')
  if (!validateEvent(minimal).ok) minimal.userId = 'user-minimal' // the identity rule
  // What normalising guarantees before any plugin sees an event.
  minimal.timestamp = TIME
  minimal.receivedAt = TIME
  const flavoured = (flavour: Flavour) => ({
    ...fill(schema, flavour),
    type,
    // Routing and ids stay plain, so every destination gets the event.
    integrations: { All: true },
    userId: flavour === 'full' ? 'user-1' : `user ${TEXT[flavour].slice(0, 40)}`,
    anonymousId: 'anon-1',
    ...(type === 'alias' ? { previousId: 'anon-1' } : {}),
  })
  return [
    { name: 'sample', event: SAMPLE_EVENTS[type] as Record<string, unknown> },
    { name: 'minimal', event: minimal },
    ...(['full', 'unicode', 'large', 'tricky'] as const).map((f) => ({ name: f, event: flavoured(f) })),
  ]
}

export interface CorpusEvent {
  /** e.g. `track/minimal`. */
  name: string
  type: EventType
  event: PatchbayEvent
}

/** The corpus, deep-frozen; every event passes protocol validation (checked when built). */
export const CORPUS: readonly CorpusEvent[] = deepFreeze(
  EVENT_TYPES.flatMap((type) =>
    variants(type).map(({ name, event }) => {
      const withId = { ...event, messageId: `corpus-${type}-${name}` }
      const checked = validateEvent(withId)
      if (!checked.ok)
        throw new Error(`contract corpus ${type}/${name} is not a valid event: ${checked.errors[0]?.message}`)
      return { name: `${type}/${name}`, type, event: withId as PatchbayEvent }
    }),
  ),
)

export const corpusOf = (type: EventType) => CORPUS.filter((c) => c.type === type)
