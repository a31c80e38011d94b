/**
 * The `$ref`s of an extractor's JSON Schema, made checkable before it is compiled. A local
 * reference (`#/definitions/x`) must point at something: one that does not is an error in the
 * schema, said at compile time rather than as every record failing. Airbyte's well-known
 * types (`WellKnownTypes.json#/definitions/TimestampWithoutTimezone`, its protocol's way of
 * declaring a column's type) become the schema each one stands for. Any other reference to
 * another document, which a sync cannot fetch, accepts any value: the type system of the
 * extractor's own targets does not constrain it either.
 */

/**
 * Airbyte's well-known types, as the values they hold are written: dates and times as the
 * extractors write them (the `date-time`, `date` and `time` formats of record-check.ts), and
 * numbers as JSON numbers or as the strings protocol v1 allows for them.
 */
const WELL_KNOWN: Record<string, Record<string, unknown>> = {
  String: { type: 'string' },
  BinaryData: { type: 'string' },
  Boolean: { type: 'boolean' },
  Date: { type: 'string', format: 'date' },
  TimestampWithTimezone: { type: 'string', format: 'date-time' },
  TimestampWithoutTimezone: { type: 'string', format: 'date-time' },
  TimeWithTimezone: { type: 'string', format: 'time' },
  TimeWithoutTimezone: { type: 'string', format: 'time' },
  Number: { type: ['number', 'string'] },
  Integer: { type: ['integer', 'string'] },
}
const WELL_KNOWN_PREFIX = 'WellKnownTypes.json#/definitions/'

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** The value a local JSON pointer (`#/a/b`) names in `root`, or undefined. */
function pointAt(root: unknown, ref: string): unknown {
  if (ref === '#') return root
  if (!ref.startsWith('#/')) return undefined
  let at: unknown = root
  for (const raw of ref.slice(2).split('/')) {
    let key: string
    try {
      key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~')
    } catch {
      return undefined // malformed percent-encoding points at nothing
    }
    if (!isObject(at) && !Array.isArray(at)) return undefined
    if (!Object.hasOwn(at, key)) return undefined
    at = (at as Record<string, unknown>)[key]
  }
  return at
}

/**
 * `schema` with its references made checkable (see above), copied only where one changes;
 * throws an Error naming a local reference that points nowhere.
 */
export function resolveSchemaRefs(schema: Record<string, unknown>): Record<string, unknown> {
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) {
      let out: unknown[] | undefined
      node.forEach((item, i) => {
        const next = visit(item)
        if (next === item) return
        out ??= [...node]
        out[i] = next
      })
      return out ?? node
    }
    if (!isObject(node)) return node
    const ref = node.$ref
    if (typeof ref === 'string') {
      if (ref === '#' || ref.startsWith('#/')) {
        if (pointAt(schema, ref) === undefined)
          throw new Error(`its $ref "${ref}" points at nothing in the schema`)
      } else if (!ref.startsWith('#')) {
        const { $ref: _, ...rest } = node
        const known = ref.startsWith(WELL_KNOWN_PREFIX)
          ? WELL_KNOWN[ref.slice(WELL_KNOWN_PREFIX.length)]
          : undefined
        return visit({ ...rest, ...(known ?? {}) })
      }
    }
    let out: Record<string, unknown> | undefined
    for (const [key, value] of Object.entries(node)) {
      // `enum` and `const` hold values, not schemas.
      if (key === 'enum' || key === 'const' || key === 'default' || key === 'examples') continue
      const next = visit(value)
      if (next === value) continue
      out ??= { ...node }
      // `out` has its own `key` (spread from `node`), so even `__proto__` is set as a property.
      out[key] = next
    }
    return out ?? node
  }
  return visit(schema) as Record<string, unknown>
}
