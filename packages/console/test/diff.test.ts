import { describe, expect, it } from 'vitest'
import { diff } from '../web/diff.ts'

describe('diff', () => {
  it('names each added, removed and changed field by its path', () => {
    const before = { type: 'track', properties: { plan: 'pro', seats: 3 }, items: [1, 2] }
    const after = { type: 'track', properties: { plan: 'team', tier: 'b' }, items: [1, 5], extra: null }
    expect(diff(before, after)).toEqual([
      { path: 'properties.plan', kind: 'changed', before: 'pro', after: 'team' },
      { path: 'properties.seats', kind: 'removed', before: 3 },
      { path: 'properties.tier', kind: 'added', after: 'b' },
      { path: 'items[1]', kind: 'changed', before: 2, after: 5 },
      { path: 'extra', kind: 'added', after: null },
    ])
  })

  it('finds nothing between equal values, and a whole-value change between different kinds', () => {
    expect(diff({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([])
    expect(diff({ a: 1 }, [1])).toEqual([
      { path: '(whole event)', kind: 'changed', before: { a: 1 }, after: [1] },
    ])
  })
})
