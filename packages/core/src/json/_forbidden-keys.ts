import secureJson from 'secure-json-parse'

/** Why such keys are refused, for messages. */
export const FORBIDDEN_WHY =
  'refused because code that merges or copies such objects can change the prototype of every object (prototype pollution)'

/** The scan secure-json-parse does after parsing, refusing rather than removing. */
const REFUSE = { protoAction: 'error', constructorAction: 'error' } as const

/** Parses JSON text as secure-json-parse does; false instead of the value when a forbidden key is in it. */
export function secureParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: secureJson.parse(text, null, REFUSE) }
  } catch (error) {
    if (isForbiddenKeyError(error)) return { ok: false }
    throw error
  }
}

/** True when a parsed value holds a `__proto__` key, or a `constructor` object with a `prototype` key. */
export function hasForbiddenKey(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false
  try {
    secureJson.scan(value as Record<string, unknown>, REFUSE)
    return false
  } catch (error) {
    if (isForbiddenKeyError(error)) return true
    throw error
  }
}

const isForbiddenKeyError = (error: unknown) =>
  error instanceof SyntaxError && error.message.includes('forbidden prototype property')

const own = (o: object, key: string) => Object.hasOwn(o, key)
const escapeKey = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1')

/**
 * The JSON pointer of the first forbidden key (breadth first, as secure-json-parse scans),
 * for the error message: `/batch/3/properties/__proto__`.
 */
export function forbiddenKeyPointer(value: unknown): string | undefined {
  let level: Array<[unknown, string]> = [[value, '']]
  while (level.length > 0) {
    const next: Array<[unknown, string]> = []
    for (const [node, at] of level) {
      if (node === null || typeof node !== 'object') continue
      if (own(node, '__proto__')) return `${at}/__proto__`
      const ctor = own(node, 'constructor') ? (node as { constructor: unknown }).constructor : undefined
      if (ctor !== null && typeof ctor === 'object' && own(ctor, 'prototype'))
        return `${at}/constructor/prototype`
      for (const key of Object.keys(node))
        next.push([(node as Record<string, unknown>)[key], `${at}/${escapeKey(key)}`])
    }
    level = next
  }
  return undefined
}
