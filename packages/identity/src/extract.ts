import type { ResolvedIdentitySettings } from './settings.ts'

/** An identifier as the graph keys it: its type and its value. */
export interface Identifier {
  type: string
  value: string
}

/** Longest identifier value taken; longer values are not identifiers (they are payloads). */
const MAX_VALUE_LENGTH = 512

function asValue(raw: unknown, lowercase: boolean): string | undefined {
  let value: string
  if (typeof raw === 'string') value = raw.trim()
  else if (typeof raw === 'number' && Number.isFinite(raw)) value = String(raw)
  else return undefined
  if (value === '' || value.length > MAX_VALUE_LENGTH) return undefined
  return lowercase ? value.toLowerCase() : value
}

function at(event: Record<string, unknown>, path: readonly string[]): unknown {
  let node: unknown = event
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[key]
  }
  return node
}

/**
 * The identifiers an event carries: `userId`, `anonymousId`, an alias call's `previousId`
 * (as `aliasPreviousIdType`), the configured fields, and `context.externalIds[]` (each as
 * its own `type`). Each identifier once, in the order found.
 *
 * @example
 * extractIdentifiers({ type: 'identify', userId: 'u1', traits: { email: 'A@x.io' } }, resolveIdentitySettings())
 * // [{ type: 'userId', value: 'u1' }, { type: 'email', value: 'a@x.io' }]
 */
export function extractIdentifiers(event: unknown, settings: ResolvedIdentitySettings): Identifier[] {
  if (event === null || typeof event !== 'object') return []
  const e = event as Record<string, unknown>
  const found: Identifier[] = []
  const add = (type: string, raw: unknown, lowercase = false) => {
    const value = asValue(raw, lowercase)
    if (value === undefined) return
    for (const id of found) if (id.type === type && id.value === value) return
    found.push({ type, value })
  }
  add('userId', e.userId)
  add('anonymousId', e.anonymousId)
  if (e.type === 'alias') add(settings.aliasPreviousIdType, e.previousId)
  for (const field of settings.fields) add(field.type, at(e, field.path), field.lowercase)
  if (settings.externalIds) {
    const list = (e.context as { externalIds?: unknown } | undefined)?.externalIds
    if (Array.isArray(list))
      for (const item of list) {
        const { id, type } = (item ?? {}) as { id?: unknown; type?: unknown }
        if (typeof type === 'string' && /^[A-Za-z][\w.-]*$/.test(type)) add(type, id)
      }
  }
  return found
}
