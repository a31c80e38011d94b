import { describe, expect, it } from 'vitest'
import { checkCompatibility } from '../src/index.ts'
import * as p from './_plugins.ts'

describe('checkCompatibility', () => {
  it('passes a compatible minor and a major with a migration', () => {
    expect(checkCompatibility(p.v1minor, p.v1)).toMatchObject([{ ok: true }])
    expect(checkCompatibility(p.v2migrated, p.v1, [{ url: 'https://old-user.example' }])).toMatchObject([
      { ok: true },
    ])
  })

  it('fails a schema change that rejects old configs without a major bump', () => {
    const [f] = checkCompatibility(p.v1breaking, p.v1)
    expect(f!.ok).toBe(false)
    expect(f!.message).toContain('Every config versioned@1.2.0 accepted still works')
    expect(f!.message).toContain('config 1 is refused')
    expect(f!.message).toContain('release it as 2.0.0 with `migrations: { 2: (v1) => ... }`')
  })

  it('fails a major bump without a migration', () => {
    const [f] = checkCompatibility(p.v2unmigrated, p.v1)
    expect(f!.ok).toBe(false)
    expect(f!.message).toContain('has no working migration from v1')
    expect(f!.message).toContain('Add `migrations: { 2: (v1) => ... }`')
  })
})
