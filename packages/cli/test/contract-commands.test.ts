// @long-pole 40: seconds in a CI run; the longest files start first (see vitest.config.ts).
import { cpSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { fixtures, runCli } from './_cli.ts'

const connector = (name: string) => fileURLToPath(new URL(`../../../connectors/${name}`, import.meta.url))

describe('patchbay validate', () => {
  it('passes a connector that keeps the static contract', async () => {
    const r = await runCli(['validate', connector('source-webhook')])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('✓ secrets-marked')
    expect(r.stdout).toContain('@patchbay/source-webhook: valid')
  })

  it('fails a broken one, saying what to fix, and prints JSON with --json', async () => {
    const r = await runCli(['validate', `${fixtures}broken-connector`])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('✗ secrets-marked')
    expect(r.stdout).toContain('these fields are not marked: /apiKey')
    expect(r.stdout).toContain('Wrap each in Secret(...)')
    const json = await runCli(['validate', `${fixtures}broken-connector`, '--json'])
    expect(JSON.parse(json.stdout)).toMatchObject({ connector: 'broken-connector', ok: false })
  })

  it('fails a manifest whose name or version drifted from package.json', async () => {
    const r = await runCli(['validate', `${fixtures}drifted-connector`])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('✗ manifest matches package.json')
    expect(r.stdout).toContain(
      'the manifest says name "drifted-connector" vs "@acme/drifted-connector" and version "1.0.0" vs "1.2.0"',
    )
  })

  it('says when the folder is not a package', async () => {
    const r = await runCli(['validate', '/nonexistent-folder'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('has no package.json')
  })
})

describe('patchbay test', () => {
  it('runs the whole contract suite on a connector without a test file', { timeout: 60_000 }, async () => {
    const r = await runCli(['test', connector('source-log')])
    expect(r.stdout + r.stderr).toMatch(/6 passed/)
    expect(r.code).toBe(0)
  })

  it('fails on a broken connector', { timeout: 60_000 }, async () => {
    const r = await runCli(['test', `${fixtures}broken-connector`])
    expect(r.code).toBe(1)
    expect(r.stdout + r.stderr).toContain('these fields are not marked: /apiKey')
  })

  it('fails on a manifest that drifted from package.json', { timeout: 60_000 }, async () => {
    const r = await runCli(['test', `${fixtures}drifted-connector`])
    expect(r.code).toBe(1)
    expect(r.stdout + r.stderr).toContain('contract: manifest matches package.json')
  })
})

describe('author commands run what the author just wrote', () => {
  /** A package that exports only its build, with src/ edited after the last build. */
  function builtThenEdited() {
    const dir = mkdtempSync(join(fixtures, '.stale-'))
    const plugin = `${fixtures}drifted-connector/src/index.js`
    mkdirSync(join(dir, 'dist'))
    mkdirSync(join(dir, 'src'))
    cpSync(plugin, join(dir, 'dist', 'index.js'))
    cpSync(plugin, join(dir, 'src', 'index.js'))
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'drifted-connector',
        version: '1.0.0',
        type: 'module',
        exports: { '.': { default: './dist/index.js' } },
        patchbay: { kind: 'destination', apiVersion: 1 },
      }),
    )
    const built = new Date('2026-11-22T10:00:00Z')
    utimesSync(join(dir, 'dist', 'index.js'), built, built)
    utimesSync(
      join(dir, 'src', 'index.js'),
      new Date('2026-11-22T10:05:00Z'),
      new Date('2026-11-22T10:05:00Z'),
    )
    return dir
  }

  it('refuses a build older than src/, saying how to fix it', async () => {
    const dir = builtThenEdited()
    try {
      for (const command of ['validate', 'test']) {
        const r = await runCli([command, dir])
        expect(r.code).toBe(2)
        expect(r.stderr).toContain('dist/index.js is older than src/index.js')
        expect(r.stderr).toContain('"@patchbay/source": "./src/index.ts"')
      }
      // Rebuilt: runs.
      utimesSync(
        join(dir, 'dist', 'index.js'),
        new Date('2026-11-22T10:06:00Z'),
        new Date('2026-11-22T10:06:00Z'),
      )
      expect((await runCli(['validate', dir])).code).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
