/**
 * What a new config schema takes away from the previous one (Airbyte's breaking-change
 * rule): removed or renamed fields, narrowed types, enum values gone, tighter bounds, and
 * fields newly required without a default. Each is one line naming the JSON pointer.
 */
type Schema = Record<string, unknown>

const asSchema = (value: unknown): Schema | undefined =>
  value && typeof value === 'object' ? (value as Schema) : undefined

/** The allowed values of an enum-like schema (enum, const, or a union of consts). */
function valuesOf(s: Schema): unknown[] | undefined {
  if (Array.isArray(s.enum)) return s.enum
  if ('const' in s) return [s.const]
  const union = (s.anyOf ?? s.oneOf) as unknown[] | undefined
  if (Array.isArray(union)) {
    const all = union.map((o) => valuesOf(asSchema(o) ?? {}))
    if (all.every((v) => v !== undefined)) return all.flat()
  }
  return undefined
}

function typesOf(s: Schema): Set<string> | undefined {
  if (typeof s.type === 'string') return new Set([s.type])
  if (Array.isArray(s.type)) return new Set(s.type as string[])
  const union = (s.anyOf ?? s.oneOf) as unknown[] | undefined
  if (Array.isArray(union)) {
    const all = union.map((o) => typesOf(asSchema(o) ?? {}))
    if (all.every((t) => t !== undefined)) return new Set(all.flatMap((t) => [...t!]))
  }
  return undefined
}

const show = (v: unknown) => JSON.stringify(v)

export function schemaNarrowings(previous: unknown, next: unknown, path = ''): string[] {
  const prev = asSchema(previous)
  const now = asSchema(next)
  if (!prev || !now) return []
  const at = path || '(the config)'
  const out: string[] = []

  const prevTypes = typesOf(prev)
  const nowTypes = typesOf(now)
  if (prevTypes && nowTypes) {
    const lost = [...prevTypes].filter(
      (t) => !nowTypes.has(t) && !(t === 'integer' && nowTypes.has('number')),
    )
    if (lost.length) out.push(`${at} no longer accepts ${lost.join(', ')} (now ${[...nowTypes].join(', ')})`)
  }
  const prevValues = valuesOf(prev)
  const nowValues = valuesOf(now)
  if (nowValues) {
    if (!prevValues) out.push(`${at} became an enum of ${nowValues.map(show).join(', ')}`)
    else {
      const gone = prevValues.filter((v) => !nowValues.some((n) => show(n) === show(v)))
      if (gone.length) out.push(`${at} no longer accepts ${gone.map(show).join(', ')}`)
    }
  }
  for (const [key, tighter] of [
    ['minLength', (a: number, b: number) => b > a],
    ['minimum', (a: number, b: number) => b > a],
    ['exclusiveMinimum', (a: number, b: number) => b > a],
    ['minItems', (a: number, b: number) => b > a],
    ['maxLength', (a: number, b: number) => b < a],
    ['maximum', (a: number, b: number) => b < a],
    ['exclusiveMaximum', (a: number, b: number) => b < a],
    ['maxItems', (a: number, b: number) => b < a],
  ] as const) {
    const a = prev[key]
    const b = now[key]
    if (typeof b === 'number' && (typeof a !== 'number' || tighter(a, b)))
      out.push(`${at} ${key} tightened from ${a ?? 'none'} to ${b}`)
  }
  for (const key of ['pattern', 'format'] as const)
    if (now[key] !== undefined && now[key] !== prev[key])
      out.push(`${at} ${key} ${prev[key] === undefined ? 'added' : 'changed'}: ${show(now[key])}`)

  const prevProps = asSchema(prev.properties)
  const nowProps = asSchema(now.properties) ?? {}
  if (prevProps) {
    for (const [name, child] of Object.entries(prevProps)) {
      const childPath = `${path}/${name}`
      if (!(name in nowProps)) out.push(`${childPath} was removed or renamed`)
      else out.push(...schemaNarrowings(child, nowProps[name], childPath))
    }
    const required = new Set((now.required as string[] | undefined) ?? [])
    const wasRequired = new Set((prev.required as string[] | undefined) ?? [])
    for (const name of required)
      if (!wasRequired.has(name) && asSchema(nowProps[name])?.default === undefined)
        out.push(`${path}/${name} became required without a default`)
  }
  if (prev.items && now.items) out.push(...schemaNarrowings(prev.items, now.items, `${path}/*`))
  return out
}

/** Every string and number in a config, with its JSON pointer. */
export function leaves(value: unknown, path = ''): Array<{ path: string; value: string | number }> {
  if (typeof value === 'string' || typeof value === 'number') return [{ path: path || '/', value }]
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => leaves(v, `${path}/${k}`))
  return []
}
