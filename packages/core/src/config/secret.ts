import type { TSchema } from 'typebox'

/**
 * Marks a config field as secret. Secret values are redacted from every log line, error
 * message and recorded request, and UIs render them as password inputs (`writeOnly`).
 *
 * @example
 * const config = Type.Object({ apiKey: Secret(Type.String({ minLength: 1 })) })
 */
export function Secret<T extends TSchema>(schema: T): T {
  return { ...schema, secret: true, writeOnly: true } as T
}

/** True when a schema node is marked with {@link Secret}. */
export function isSecretSchema(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && (schema as { secret?: unknown }).secret === true
}

type Node = Record<string, unknown>

/**
 * Walks `value` along `schema` and calls `visit` for every value that sits at a secret
 * field: object properties, array items, records and unions are followed.
 */
export function walkSecrets(
  schema: unknown,
  value: unknown,
  visit: (secret: unknown, path: string) => void,
  path = '',
): void {
  if (typeof schema !== 'object' || schema === null || value === undefined || value === null) return
  const node = schema as Node
  if (isSecretSchema(node)) {
    visit(value, path)
    return
  }
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const options = node[key]
    if (Array.isArray(options)) for (const option of options) walkSecrets(option, value, visit, path)
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      walkSecrets(node.items, item, visit, `${path}/${i}`)
    })
    return
  }
  if (typeof value !== 'object') return
  const properties = node.properties as Record<string, unknown> | undefined
  const patterns = node.patternProperties as Record<string, unknown> | undefined
  for (const [key, child] of Object.entries(value as Node)) {
    const childPath = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`
    const childSchema =
      properties?.[key] ?? (patterns ? Object.values(patterns)[0] : undefined) ?? node.additionalProperties
    walkSecrets(childSchema, child, visit, childPath)
  }
}

/** The secret string values in a config, for a redactor to scrub from any text. */
export function collectSecrets(schema: unknown, config: unknown): string[] {
  const found = new Set<string>()
  walkSecrets(schema, config, (secret) => {
    if (typeof secret === 'string' && secret.length > 0) found.add(secret)
    else if (typeof secret === 'number') found.add(String(secret))
  })
  return [...found]
}

/** A deep copy of `config` with every secret field replaced by `"[redacted]"`. */
export function redactConfig<T>(schema: unknown, config: T): T {
  const copy = structuredClone(config)
  walkSecrets(schema, copy, (_secret, path) => {
    const keys = path.split('/').slice(1)
    let target = copy as Node
    for (const key of keys.slice(0, -1))
      target = target[key.replaceAll('~1', '/').replaceAll('~0', '~')] as Node
    const last = keys.at(-1)
    if (last !== undefined) target[last.replaceAll('~1', '/').replaceAll('~0', '~')] = '[redacted]'
  })
  return copy
}
