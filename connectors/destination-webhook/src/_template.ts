import { InvalidEventError } from '@patchbay/core'

/** A URL template split into literal text and placeholder paths, compiled once. */
interface CompiledTemplate {
  literals: string[]
  paths: string[][]
}

const PLACEHOLDER = /\{\{\s*([^{}\s]+)\s*\}\}/g
const cache = new Map<string, CompiledTemplate>()

function compile(template: string): CompiledTemplate {
  let compiled = cache.get(template)
  if (compiled) return compiled
  const literals: string[] = []
  const paths: string[][] = []
  let last = 0
  for (const match of template.matchAll(PLACEHOLDER)) {
    literals.push(template.slice(last, match.index))
    paths.push(match[1]!.split('.'))
    last = match.index + match[0].length
  }
  literals.push(template.slice(last))
  compiled = { literals, paths }
  if (cache.size > 1_000) cache.clear()
  cache.set(template, compiled)
  return compiled
}

/** The value at a dot path; numeric segments index arrays. */
export function getPath(value: unknown, path: readonly string[]): unknown {
  let current = value
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined
    current = Object.hasOwn(current, key) ? (current as Record<string, unknown>)[key] : undefined
  }
  return current
}

/** True when `template` holds `{{...}}` placeholders. */
export function isTemplate(template: string): boolean {
  return template.includes('{{')
}

/**
 * Replaces each `{{path}}` in `template` by the event's value at that path, URL-encoded
 * with encodeURIComponent. Strings, numbers and booleans are accepted; a missing, null or
 * empty value, or an object, is an InvalidEventError naming the field and the event.
 */
export function renderTemplate(template: string, event: Record<string, unknown>, plugin: string): string {
  const { literals, paths } = compile(template)
  let out = literals[0]!
  for (const [i, path] of paths.entries()) {
    const value = getPath(event, path)
    const dotted = path.join('.')
    const messageId = typeof event.messageId === 'string' ? event.messageId : undefined
    const which = messageId ? `event ${messageId}` : 'the event'
    if (value === undefined || value === null || value === '') {
      throw new InvalidEventError(
        `url template needs {{${dotted}}}, but ${which} has ${value === '' ? 'an empty' : 'no'} ${dotted}`,
        {
          plugin,
          field: `/${path.join('/')}`,
          messageId,
          hint: `Send ${dotted} with every event, or add a destination filter or transformation that drops events without it.`,
        },
      )
    }
    if (typeof value === 'object') {
      throw new InvalidEventError(
        `url template {{${dotted}}} must point at a string, number or boolean, but in ${which} it is ${Array.isArray(value) ? 'an array' : 'an object'}`,
        { plugin, field: `/${path.join('/')}`, messageId, hint: 'Point the placeholder at a scalar field.' },
      )
    }
    out += encodeURIComponent(String(value)) + literals[i + 1]!
  }
  return out
}
