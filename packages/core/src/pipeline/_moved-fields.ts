/**
 * Pipeline fields that left core's schema, and where each went: a file written for an
 * older version fails with this message (at the field's line) instead of a bare "unknown
 * property". Both moved to the `gateway:` block, whose schema belongs to @patchbay/server.
 */
export function movedFields(definition: unknown): Array<{ pointer: string; message: string }> {
  const found: Array<{ pointer: string; message: string }> = []
  if (typeof definition !== 'object' || definition === null) return found
  const { destinations, sandbox } = definition as { destinations?: unknown; sandbox?: unknown }
  if (Array.isArray(destinations))
    destinations.forEach((d, i) => {
      const delivery = (d as { delivery?: unknown } | null)?.delivery
      if (typeof delivery !== 'object' || delivery === null || !('ordering' in delivery)) return
      const id = typeof (d as { id?: unknown }).id === 'string' ? (d as { id: string }).id : `<id>`
      const value = JSON.stringify((delivery as { ordering: unknown }).ordering)
      found.push({
        pointer: `/destinations/${i}/delivery/ordering`,
        message: `destinations[${i}].delivery.ordering has moved: ordering is a gateway setting now. Remove it here and write \`gateway: { destinations: { ${id}: { ordering: ${value} } } }\` at the top level of the file (see docs/ordering.md)`,
      })
    })
  if (typeof sandbox === 'object' && sandbox !== null && 'maxTransformAttempts' in sandbox)
    found.push({
      pointer: '/sandbox/maxTransformAttempts',
      message: `sandbox.maxTransformAttempts has moved: it is a gateway setting now. Remove it here and write \`gateway: { maxTransformAttempts: ${JSON.stringify((sandbox as { maxTransformAttempts: unknown }).maxTransformAttempts)} }\` at the top level of the file (see docs/gateway.md)`,
    })
  return found
}
