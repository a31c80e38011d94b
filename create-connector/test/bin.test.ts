import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const pkg = fileURLToPath(new URL('..', import.meta.url))
const bin = join(pkg, 'bin', 'create-connector.js')
let work: string

beforeAll(() => {
  if (!existsSync(join(pkg, 'dist', 'cli.js'))) execFileSync('npx', ['tsup'], { cwd: pkg, stdio: 'ignore' })
  work = mkdtempSync(join(tmpdir(), 'pb-create-'))
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

// stdin is not a TTY here, as in CI: the bin must not prompt.
const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], {
    cwd: work,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })

describe('the create-connector binary', () => {
  it('prints help with examples', () => {
    const result = run('--help')
    expect(result.status).toBe(0)
    expect(result.stdout).toContain('npm create @patchbay/connector [name]')
    expect(result.stdout).toContain('--auth <style>')
  })

  it('scaffolds without prompts from flags, and says what to run next', () => {
    const result = run('@acme/source-forms', '--kind', 'source', '--description', 'Form posts', '--yes')
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    expect(result.stdout).toContain('Created @acme/source-forms (a Patchbay source)')
    expect(result.stdout).toContain('cd source-forms\n  npm install\n  npm test')
    const manifest = JSON.parse(readFileSync(join(work, 'source-forms', 'package.json'), 'utf8'))
    expect(manifest).toMatchObject({ name: '@acme/source-forms', description: 'Form posts' })
  })

  it('refuses a bad name with exit code 2, writing nothing', () => {
    const result = run('My Connector', '--yes')
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('"My Connector" cannot be a package name')
    expect(result.stderr).toContain('Nothing was written.')
    expect(existsSync(join(work, 'My Connector'))).toBe(false)
  })

  it('refuses an unknown flag or value with a pointer to --help', () => {
    expect(run('--colour').stderr).toContain("Unknown option '--colour'")
    const badKind = run('x', '--kind', 'sink', '--yes')
    expect(badKind.status).toBe(2)
    expect(badKind.stderr).toContain('--kind')
  })
})
