import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { root } from './_build.ts'

// The package boundaries of docs/architecture.md (protocol ← core ← sandbox/testing/connectors
// ← cli/server), as .dependency-cruiser.cjs states them and CI checks them (`npm run
// boundaries`): the real tree keeps them, and a fixture tree that breaks each rule once shows
// that every rule fires.

const depcruise = `${root}node_modules/.bin/depcruise`
const SOURCES = ['packages/*/src', 'connectors/*/src', 'create-connector/src']

/** `rule: from → to` for each violation depcruise reports in `cwd`. */
function violations(cwd: string): string[] {
  const r = spawnSync(
    'bash',
    ['-c', `"${depcruise}" ${SOURCES.join(' ')} --config "${root}.dependency-cruiser.cjs"`],
    {
      cwd,
      encoding: 'utf8',
      timeout: 120_000,
    },
  )
  const found = [...r.stdout.matchAll(/^\s*error (\S+): (\S+) → (\S+)$/gm)].map(
    (m) => `${m[1]}: ${m[2]} → ${m[3]}`,
  )
  expect(r.status === 0, r.stdout + r.stderr).toBe(found.length === 0)
  return found.sort()
}

describe('package boundaries', () => {
  it('hold in the sources', () => {
    expect(violations(root)).toEqual([])
  })

  it('each rule fires on an import that breaks it', () => {
    expect(violations(join(root, 'test/fixtures/boundaries'))).toEqual(
      [
        'connectors-use-core-public-api: connectors/x/src/index.ts → packages/core/src/_private.ts',
        'core-only-on-protocol: packages/core/src/other.ts → packages/sandbox/src/index.ts',
        'create-connector-stands-alone: create-connector/src/index.ts → packages/core/src/index.ts',
        'declared-dependencies-only: packages/server/src/index.ts → node_modules/undeclared/index.js',
        'no-relative-path-into-another-package: connectors/x/src/index.ts → packages/core/src/_private.ts',
        'no-relative-path-into-another-package: packages/core/src/other.ts → packages/sandbox/src/index.ts',
        'no-relative-path-into-another-package: packages/protocol/src/index.ts → packages/core/src/index.ts',
        'no-relative-path-into-another-package: packages/sandbox/src/index.ts → packages/testing/src/index.ts',
        'no-relative-path-into-another-package: packages/server/src/index.ts → packages/cli/src/index.ts',
        'protocol-is-the-bottom: packages/protocol/src/index.ts → packages/core/src/index.ts',
        'resolvable: packages/cli/src/index.ts → ./missing.ts',
        'sandbox-and-testing-below-the-hosts: packages/sandbox/src/index.ts → packages/testing/src/index.ts',
        'server-below-cli: packages/server/src/index.ts → packages/cli/src/index.ts',
      ].sort(),
    )
  })
})

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : []
  })
}

// depcruise sees a workspace package as a folder, not as a dependency: that each one a
// package imports is declared is checked here (undeclared, npm would not install it for a user).
describe('workspace dependencies', () => {
  const workspaces = ['packages', 'connectors'].flatMap((group) =>
    readdirSync(join(root, group)).map((name) => `${group}/${name}`),
  )
  it.each([...workspaces, 'create-connector'])(
    '%s declares every @patchbay package its sources import',
    (dir) => {
      const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'))
      const declared = new Set([pkg.name, ...Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })])
      const imported = new Set(
        sources(join(root, dir, 'src')).flatMap((file) =>
          [...readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'(@patchbay\/[a-z-]+)/g)].map(
            (m) => m[1]!,
          ),
        ),
      )
      expect([...imported].filter((name) => !declared.has(name))).toEqual([])
    },
  )
})
