import { describe, expect, it } from 'vitest'
import { countJsonValues, valuesAtMost } from '../src/_json-values.ts'

const count = (value: unknown) => countJsonValues(JSON.stringify(value), Number.POSITIVE_INFINITY)

describe('counting the values of an answer', () => {
  it('counts objects, arrays and strings, keys included; numbers, booleans and null are free', () => {
    expect(count({ a: 1, b: [true, null, 2.5], c: { d: 'x' } })).toBe(1 + 3 + 1 + 1 + 2)
    expect(count([[], {}, ''])).toBe(4)
    expect(count([1, 2, 3, false, null])).toBe(1)
  })

  it('skips string bodies: brackets, commas and escaped quotes inside them do not count', () => {
    expect(count(['{[', 'a"b', '\\', '\\"', '[{"x":[1]}]'])).toBe(6)
    expect(count({ 'k"[': '"]}' })).toBe(3)
  })

  it('stops once past the limit', () => {
    expect(countJsonValues(JSON.stringify(Array.from({ length: 1000 }, () => [])), 10)).toBe(11)
  })

  it('counts a text that is not JSON too, an unclosed string included', () => {
    expect(countJsonValues('[[["abc', 100)).toBe(4)
  })

  it('never finds more than valuesAtMost of the length in JSON', () => {
    for (const value of [[[[[]]]], [{}, {}, {}], ['', '', ''], { '': '' }, [[], ''], {}])
      expect(count(value)).toBeLessThanOrEqual(valuesAtMost(JSON.stringify(value).length))
  })
})
