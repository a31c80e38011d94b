/**
 * Reads a value at a path like `data.user.id`, `items[0].sku` or `["odd.key"].x` from a
 * parsed JSON body. Returns undefined when any step is missing.
 */
export function readPath(value: unknown, path: string): unknown {
  let node = value
  for (const key of parsePath(path)) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[key]
  }
  return node
}

const cache = new Map<string, string[]>()

/** `a.b[0]["c.d"]` → ['a', 'b', '0', 'c.d']. Throws on a malformed path (a config error). */
export function parsePath(path: string): string[] {
  const hit = cache.get(path)
  if (hit) return hit
  const keys: string[] = []
  const re = /([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|(\.)/gy
  let last = 0
  let expectKey = true
  re.lastIndex = 0
  while (last < path.length) {
    const m = re.exec(path)
    if (m === null) break
    if (m[4] !== undefined) {
      if (expectKey) throw new Error(`unexpected "." at column ${last + 1}`)
      expectKey = true
    } else {
      keys.push(m[1] ?? m[2] ?? JSON.parse(`"${m[3]}"`))
      expectKey = false
    }
    last = re.lastIndex
  }
  if (last !== path.length || keys.length === 0 || expectKey)
    throw new Error(`cannot read the path at column ${last + 1}`)
  cache.set(path, keys)
  return keys
}
