/**
 * Turns TypeBox validation errors into short sentences a person can act on, one per
 * field: `{ path: '/auth/token', message: 'is required' }`.
 */
export interface SchemaIssue {
  /** JSON pointer to the field. */
  path: string
  message: string
}

interface RawError {
  keyword: string
  schemaPath: string
  instancePath: string
  params: Record<string, unknown>
  message: string
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
}

const quote = (v: unknown) => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v))

/** The schema node at a `#/properties/a/anyOf/0` style path. */
function schemaAt(root: unknown, schemaPath: string): Record<string, unknown> | undefined {
  let node = root as Record<string, unknown> | undefined
  for (const part of schemaPath.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    node = node?.[part.replaceAll('~1', '/').replaceAll('~0', '~')] as Record<string, unknown> | undefined
  }
  return node
}

/** The literal values a union of constants allows, or undefined for other unions. */
function unionConstants(node: Record<string, unknown> | undefined): unknown[] | undefined {
  const options = (node?.anyOf ?? node?.oneOf) as Array<Record<string, unknown>> | undefined
  if (!Array.isArray(options) || !options.every((o) => 'const' in o)) return undefined
  return options.map((o) => o.const)
}

/**
 * `schema` is the root schema the errors came from: with it, a union of constants is
 * reported with its full list of allowed values.
 */
export function toSchemaIssues(errors: Iterable<RawError>, schema?: unknown): SchemaIssue[] {
  const byPath = new Map<string, SchemaIssue>()
  const allowed = new Map<string, unknown[]>()
  const add = (path: string, message: string, overwrite = false) => {
    if (overwrite || !byPath.has(path)) byPath.set(path, { path, message })
  }
  for (const error of errors) {
    const { keyword, instancePath: path, params } = error
    switch (keyword) {
      case 'required':
        for (const name of (params.requiredProperties as string[] | undefined) ?? [])
          add(`${path}/${name}`, 'is required')
        break
      case 'boolean':
        if (
          error.schemaPath.endsWith('/additionalProperties') ||
          error.schemaPath === '#/additionalProperties'
        ) {
          add(path, 'is not a known field: check its spelling against the docs')
        } else add(path, 'is not allowed here')
        break
      case 'additionalProperties':
        for (const name of (params.additionalProperties as string[] | undefined) ?? [])
          add(`${path}/${name}`, 'is not a known field: check its spelling against the docs')
        break
      case 'const': {
        const union = /^(.*)\/(?:anyOf|oneOf)\/\d+$/.exec(error.schemaPath)?.[1]
        const all = union === undefined ? undefined : unionConstants(schemaAt(schema, union))
        allowed.set(path, all ?? [...(allowed.get(path) ?? []), params.allowedValue])
        break
      }
      case 'enum':
        allowed.set(path, [...(allowed.get(path) ?? []), ...((params.allowedValues as unknown[]) ?? [])])
        break
      case 'anyOf':
      case 'oneOf': {
        const values = unionConstants(schemaAt(schema, error.schemaPath)) ?? allowed.get(path)
        if (values && values.length > 0) add(path, `must be one of ${values.map(quote).join(', ')}`, true)
        else add(path, 'does not match any of the allowed shapes')
        break
      }
      case 'type':
        add(path, `must be ${TYPE_NAMES[String(params.type)] ?? String(params.type)}`, true)
        break
      case 'format':
        add(path, `must be a valid ${String(params.format)}`)
        break
      case 'minLength':
        add(
          path,
          params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters`,
        )
        break
      case 'minItems':
        add(
          path,
          params.limit === 1
            ? 'must list at least one item'
            : `must list at least ${String(params.limit)} items`,
        )
        break
      case 'pattern':
        add(path, `must match the pattern ${String(params.pattern)}`)
        break
      default:
        add(path, error.message)
    }
  }
  for (const [path, values] of allowed) {
    if (!byPath.has(path))
      add(
        path,
        values.length === 1
          ? `must be ${quote(values[0])}`
          : `must be one of ${values.map(quote).join(', ')}`,
      )
  }
  return [...byPath.values()]
}

/** `/auth/token` → `auth.token`, `/headers/0` → `headers[0]`; the root is `(root)`. */
export function pointerToDotted(pointer: string): string {
  if (pointer === '') return '(root)'
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part), '')
}
