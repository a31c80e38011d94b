/**
 * Deep-freezes a value in place and returns it, so a plugin that mutates an input it shares
 * with other plugins fails with a TypeError (ESM is strict mode) instead of changing what
 * the next destination receives. Subtrees that are already frozen are skipped, so freezing
 * the output of a transformation that spread a frozen input costs one object.
 *
 * Measured against giving each plugin its own copy in `core.engine.isolation.*` (see
 * docs/architecture.md, "Plugins cannot change their inputs").
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
  }
  return value
}
