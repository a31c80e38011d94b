import { describe, expect, it } from 'vitest'
import { deepFreeze } from '../../src/engine/_freeze.ts'

const event = () =>
  JSON.parse(
    '{"type":"track","properties":{"items":[{"sku":"a","tags":["x"]},{"sku":"b"}],"total":1.5},"context":{"library":{"name":"n"}},"n":null}',
  )

/** Every object and array reachable through own enumerable keys, the root included. */
function reachable(value: unknown, out: object[] = []): object[] {
  if (value !== null && typeof value === 'object') {
    out.push(value)
    for (const key of Object.keys(value)) reachable((value as Record<string, unknown>)[key], out)
  }
  return out
}

describe('deepFreeze', () => {
  it('freezes every object and array of an event, and returns it', () => {
    const e = event()
    expect(deepFreeze(e)).toBe(e)
    expect(reachable(e).every((o) => Object.isFrozen(o))).toBe(true)
    expect(reachable(e)).toHaveLength(8)
  })

  it('freezes what a frozen parent holds only when it walks that parent', () => {
    const shared = { a: { b: 1 } }
    const spread = Object.freeze({ ...event(), shared })
    deepFreeze(spread)
    // The top was frozen already: nothing below it is walked (the engine freezes outputs
    // whose frozen parts came from frozen inputs).
    expect(Object.isFrozen(shared)).toBe(false)
  })

  it('freezes own keys only, whatever the prototypes hold', () => {
    const inherited = { mutable: true }
    const e = event()
    for (const proto of [Object.prototype, Array.prototype])
      Object.defineProperty(proto, 'polluted', { value: inherited, enumerable: true, configurable: true })
    try {
      deepFreeze(e)
    } finally {
      // Taken out before asserting: vitest's own objects inherit from these prototypes too.
      delete (Object.prototype as Record<string, unknown>).polluted
      delete (Array.prototype as unknown as Record<string, unknown>).polluted
    }
    expect(reachable(e).every((o) => Object.isFrozen(o))).toBe(true)
    expect(Object.isFrozen(inherited)).toBe(false)
  })

  it('walks objects of other prototypes by their own keys', () => {
    const inherited = { mutable: true }
    const proto = { inherited }
    const own = { deep: { x: 1 } }
    const odd = Object.assign(Object.create(proto), { own })
    deepFreeze({ odd, list: [odd] })
    expect(Object.isFrozen(odd)).toBe(true)
    expect(Object.isFrozen(own.deep)).toBe(true)
    expect(Object.isFrozen(inherited)).toBe(false)
  })
})
