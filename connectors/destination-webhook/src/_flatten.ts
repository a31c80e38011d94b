/**
 * Flattens a JSON value to `path → string` pairs, as the webhook destination sends
 * GET/DELETE query parameters and form bodies:
 *
 * - nested object keys are joined with dots: `{ k2: { k3: 'c' } }` → `k2.k3=c`;
 * - array items get their index in brackets, as RudderStack does: `{ items: [{ sku: 'a' }] }`
 *   → `items[0].sku=a`;
 * - numbers and booleans become their JSON text (`2`, `true`);
 * - `null`, `undefined`, empty objects and empty arrays are left out.
 *
 * @example
 * flattenToPairs({ plan: 'pro', seats: 3, owner: { id: 'u1' }, tags: ['a', 'b'] })
 * // [['plan','pro'], ['seats','3'], ['owner.id','u1'], ['tags[0]','a'], ['tags[1]','b']]
 */
export function flattenToPairs(value: unknown, prefix = ''): Array<[string, string]> {
  const out: Array<[string, string]> = []
  walk(value, prefix, out)
  return out
}

function walk(value: unknown, path: string, out: Array<[string, string]>): void {
  if (value === null || value === undefined) return
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      walk(item, `${path}[${i}]`, out)
    })
    return
  }
  if (typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) walk(child, path ? `${path}.${key}` : key, out)
    return
  }
  if (path === '') return
  out.push([path, typeof value === 'string' ? value : String(value)])
}

/** {@link flattenToPairs} as a record (the last value wins for a repeated path). */
export function flattenToRecord(value: unknown): Record<string, string> {
  return Object.fromEntries(flattenToPairs(value))
}
