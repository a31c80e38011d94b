import { describe, expect, it } from 'vitest'
import { checkCompatibility, type Finding } from '../src/index.ts'
import * as p from './_plugins.ts'

const failed = (findings: Finding[]) => findings.filter((f) => !f.ok)
const rule = (findings: Finding[], name: string) => findings.find((f) => f.rule.startsWith(name))!

describe('checkCompatibility', () => {
  it('passes a compatible minor and a major with a migration', () => {
    expect(failed(checkCompatibility(p.v1minor, p.v1))).toEqual([])
    expect(
      failed(
        checkCompatibility(p.v2migrated, p.v1, [
          { file: 'previous/configs/old-user.json', config: { url: 'https://old-user.example' } },
        ]),
      ),
    ).toEqual([])
  })

  it('fails a schema change that rejects old configs without a major bump, naming the config', () => {
    const f = rule(checkCompatibility(p.v1breaking, p.v1), 'compatible with')
    expect(f.ok).toBe(false)
    expect(f.message).toContain('Every config versioned@1.2.0 accepted still works')
    expect(f.message).toContain('example 1 of versioned@1.2.0 (its examples[0]) is refused')
    expect(f.message).toContain('release it as 2.0.0 with `migrations: { 2: (v1) => ... }`')
  })

  it('fails a major bump without a migration, naming the fixture file', () => {
    const f = rule(
      checkCompatibility(p.v2unmigrated, p.v1, [
        { file: 'previous/configs/eu.json', config: { url: 'https://eu.example' } },
      ]),
      'compatible with',
    )
    expect(f.ok).toBe(false)
    expect(f.message).toContain('previous/configs/eu.json has no working migration from v1')
    expect(f.message).toContain('Add `migrations: { 2: (v1) => ... }`')
  })
})

describe('checkCompatibility sees data loss, even where old configs still parse', () => {
  it('a field renamed within a major, with a default that makes old configs parse', () => {
    const findings = checkCompatibility(p.renamedWithDefault, p.withRegion)
    expect(rule(findings, 'compatible with').ok).toBe(true) // the old check passed this
    const f = rule(findings, 'no config data lost')
    expect(f.ok).toBe(false)
    expect(f.message).toContain('/url was removed or renamed')
  })

  it('an enum value removed and a type narrowed within a major', () => {
    const f = rule(checkCompatibility(p.narrowed, p.withRegion), 'no config data lost')
    expect(f.ok).toBe(false)
    expect(f.message).toContain('/region no longer accepts "eu"')
    expect(f.message).toContain('/timeoutMs no longer accepts number (now integer)')
    expect(f.message).toContain('/timeoutMs maximum tightened from none to 500')
  })

  it('a migration that drops a value, naming the config it dropped it from (never the value)', () => {
    const f = rule(
      checkCompatibility(p.migrationDropsToken, p.withRegion, [
        { file: 'previous/configs/eu.json', config: { url: 'https://eu.example', token: 'tok_eu_secret' } },
      ]),
      'no config data lost',
    )
    expect(f.ok).toBe(false)
    expect(f.message).toContain('previous/configs/eu.json: the migration to v2 dropped the value of /token')
    expect(f.message).toContain('example 1 of versioned@1.2.0')
    expect(f.message).not.toContain('tok_eu_secret')
  })

  it('a migration that carries every value over passes', () => {
    expect(
      failed(
        checkCompatibility(p.migrationKeepsAll, p.withRegion, [
          { file: 'previous/configs/eu.json', config: { url: 'https://eu.example', token: 'tok_eu' } },
        ]),
      ),
    ).toEqual([])
  })
})
