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
    if (inheritsEnumerable()) freezeOwnKeys(value)
    else freezeWalk(value)
  }
  return value
}

const EMPTY_OBJECT = {}
const EMPTY_ARRAY: unknown[] = []

/** True when something added an enumerable property to Object.prototype or Array.prototype. */
function inheritsEnumerable(): boolean {
  for (const _ in EMPTY_OBJECT) return true
  for (const _ in EMPTY_ARRAY) return true
  return false
}

/**
 * The walk events take (JSON-made objects and arrays): `for...in` visits exactly the own
 * enumerable keys of an object whose prototype is Object.prototype, Array.prototype or null
 * when neither prototype has enumerable properties (checked by the caller), and it allocates
 * no key array: a third less time than `Object.keys` per event. Any other object is walked
 * by its own keys.
 */
function freezeWalk(value: object): void {
  Object.freeze(value)
  const proto = Object.getPrototypeOf(value)
  if (proto === Object.prototype || proto === Array.prototype || proto === null) {
    for (const key in value) {
      const child = (value as Record<string, unknown>)[key]
      if (typeof child === 'object' && child !== null && !Object.isFrozen(child)) freezeWalk(child)
    }
  } else {
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key]
      if (typeof child === 'object' && child !== null && !Object.isFrozen(child)) freezeWalk(child)
    }
  }
}

/** The same walk by `Object.keys` only, for when a built-in prototype has enumerable properties. */
function freezeOwnKeys(value: object): void {
  Object.freeze(value)
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key]
    if (typeof child === 'object' && child !== null && !Object.isFrozen(child)) freezeOwnKeys(child)
  }
}
