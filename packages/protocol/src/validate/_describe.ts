/**
 * Turns schemas and values into the words used in validation messages, so that a message
 * says what the field should be ("a non-empty string") and what it was ("got 42").
 */
type SchemaLike = Record<string, unknown>

const FORMATS: Record<string, string> = {
  'date-time': 'an ISO-8601 date-time string such as 2026-11-22T10:00:00.000Z',
}

/** "a non-empty string", "an object", "true, false or an options object", ... */
export function describeExpected(schema: SchemaLike | undefined): string {
  if (!schema) return 'a valid value'
  if ('const' in schema) return JSON.stringify(schema.const)
  const alternatives = (schema.anyOf ?? schema.oneOf) as SchemaLike[] | undefined
  if (alternatives) return joinOr(alternatives.map(describeExpected))
  const format = typeof schema.format === 'string' ? FORMATS[schema.format] : undefined
  if (format) return format
  switch (schema.type) {
    case 'string':
      return schema.minLength === 1 ? 'a non-empty string' : 'a string'
    case 'number':
      return 'a number'
    case 'integer':
      return 'an integer'
    case 'boolean':
      return 'true or false'
    case 'array':
      return 'an array'
    case 'object':
      return 'an object'
    case 'null':
      return 'null'
    default:
      return 'a valid value'
  }
}

/** A short, safe rendering of a value for a message: `"abc"`, `42`, `an array`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  switch (typeof value) {
    case 'string':
      return value.length > 40
        ? `${JSON.stringify(value.slice(0, 40))}… (a string)`
        : `${JSON.stringify(value)} (a string)`
    case 'number':
    case 'boolean':
      return `${value} (a ${typeof value})`
    case 'object':
      return 'an object'
    default:
      return `a ${typeof value}`
  }
}

function joinOr(parts: string[]): string {
  const unique = [...new Set(parts)]
  if (unique.length <= 1) return unique[0] ?? 'a valid value'
  return `${unique.slice(0, -1).join(', ')} or ${unique.at(-1)}`
}

/** `/context/library/name` → `context.library.name` (for prose; paths stay pointers). */
export function fieldName(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .join('.')
}

/** Reads the value at a JSON pointer, or undefined. */
export function valueAt(root: unknown, pointer: string): unknown {
  let node = root
  for (const part of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[part.replaceAll('~1', '/').replaceAll('~0', '~')]
  }
  return node
}

/** Reads the sub-schema at a schema path such as `#/properties/context/properties/ip`. */
export function schemaAt(root: unknown, schemaPath: string): SchemaLike | undefined {
  const node = valueAt(root, schemaPath.replace(/^#/, ''))
  return node !== null && typeof node === 'object' ? (node as SchemaLike) : undefined
}
