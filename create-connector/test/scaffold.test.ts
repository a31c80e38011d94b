import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ScaffoldOptions } from '../src/index.ts'
import { AUTH_STYLES, renderScaffold, ScaffoldError, scaffold } from '../src/index.ts'

let work: string
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'pb-scaffold-'))
})
afterEach(() => rmSync(work, { recursive: true, force: true }))

const options = (overrides: Partial<ScaffoldOptions> = {}): ScaffoldOptions => ({
  kind: 'destination',
  name: '@acme/destination-crm',
  description: 'Sends events to Acme CRM',
  auth: 'bearer',
  batching: true,
  packageManager: 'npm',
  dir: join(work, 'destination-crm'),
  ...overrides,
})

describe('scaffold', () => {
  it('writes a complete package for each kind', () => {
    const common = ['.changeset/config.json', '.gitignore', 'README.md', 'package.json', 'src/index.ts']
    const common2 = ['test/contract.test.ts', 'tsconfig.json', 'tsup.config.ts', 'vitest.config.ts']
    for (const kind of ['destination', 'source', 'transformation'] as const) {
      const { files } = scaffold(options({ kind, dir: join(work, kind) }))
      expect(files).toEqual(expect.arrayContaining([...common, ...common2]))
      const pkg = JSON.parse(readFileSync(join(work, kind, 'package.json'), 'utf8'))
      expect(pkg).toMatchObject({
        name: '@acme/destination-crm',
        type: 'module',
        patchbay: { kind, apiVersion: kind === 'destination' ? 3 : 1 },
        peerDependencies: { '@patchbay/core': expect.stringMatching(/^\^\d/) },
        exports: {
          '.': {
            '@patchbay/source': './src/index.ts',
            types: './dist/index.d.ts',
            default: './dist/index.js',
          },
        },
        scripts: { build: 'tsup', test: 'patchbay check-node && vitest run' },
      })
      expect(pkg.devDependencies).toHaveProperty('@patchbay/testing')
    }
  })

  it('--transport client: a client destination on plugin API 2, with its own tests and error fixtures', () => {
    const files = renderScaffold(options({ transport: 'client', name: '@acme/destination-db' }))
    expect([...files.keys()]).toEqual(
      expect.arrayContaining([
        'src/index.ts',
        'test/contract.test.ts',
        'test/deliver.test.ts',
        'test/fixtures/contract/errors/disk-full.json',
        'test/fixtures/contract/errors/permission-denied.json',
      ]),
    )
    expect([...files.keys()]).not.toContain('test/transform.test.ts')
    const pkg = JSON.parse(files.get('package.json')!)
    expect(pkg.patchbay).toEqual({ kind: 'destination', apiVersion: 2 })
    expect(files.get('src/index.ts')).toContain('defineClientDestination({')
    expect(files.get('src/index.ts')).toContain('apiVersion: 2,')
    // auth and batching are HTTP options: ignored, and nothing of them is left in the files.
    for (const content of files.values()) expect(content).not.toMatch(/Bearer|#if|#endif|\{\{/)
    expect(files.get('.gitignore')).toContain('events.jsonl')
    expect(files.get('README.md')).not.toContain('npm run dev')
    // The HTTP destination is unchanged by the option's default.
    const http = renderScaffold(options())
    // An HTTP destination is on plugin API 3 (its deleteUsers hook).
    expect(JSON.parse(http.get('package.json')!).patchbay.apiVersion).toBe(3)
    expect(http.get('.gitignore')).not.toContain('events.jsonl')
    expect(http.get('README.md')).toContain('npm run dev')
  })

  it('refuses an unknown --transport, naming the field', () => {
    expect(() => scaffold(options({ transport: 'grpc' as never }))).toThrow(ScaffoldError)
    expect(() => scaffold(options({ transport: 'grpc' as never }))).toThrow(/--transport/)
  })

  it('author commands run src (a source condition first in exports); the build does not bundle package.json', () => {
    const files = renderScaffold(options())
    const pkg = JSON.parse(files.get('package.json')!)
    expect(Object.keys(pkg.exports['.'])[0]).toBe('@patchbay/source')
    expect(pkg.files).toContain('src')
    expect(files.get('tsup.config.ts')).toContain('build.onResolve({ filter: /^\\.\\.\\/package\\.json$/ }')
  })

  it('keeps the --local tarballs package.json depends on in git, and says the description once', () => {
    const files = renderScaffold(options({ description: 'Sends orders to the CRM' }))
    const ignore = files.get('.gitignore')!.split('\n')
    expect(ignore).not.toContain('.patchbay-local/')
    expect(ignore).toContain('!.patchbay-local/*.tgz')
    const readme = files.get('README.md')!
    expect(readme.match(/Sends orders to the CRM/g)).toHaveLength(1)
    expect(readme).not.toContain('A Patchbay destination')
  })

  it('renders valid JSON fixtures for every kind, auth style and batching choice, goldens with the batch plan when batching', () => {
    for (const kind of ['destination', 'source', 'transformation'] as const)
      for (const auth of AUTH_STYLES)
        for (const batching of [false, true]) {
          const files = renderScaffold(options({ kind, auth, batching }))
          for (const [file, content] of files)
            if (file.endsWith('.json'))
              expect(() => JSON.parse(content), `${kind} ${auth} ${batching} ${file}`).not.toThrow()
          if (kind === 'destination')
            expect('batch' in JSON.parse(files.get('test/fixtures/contract/golden/track.json')!)).toBe(
              batching,
            )
        }
  })

  it('renders the chosen auth style and batching into the destination', () => {
    const bearer = renderScaffold(options()).get('src/index.ts')!
    expect(bearer).toContain('token: Secret(')
    expect(bearer).toContain('transformBatch')
    expect(bearer).not.toMatch(/#if|#endif|\{\{/)
    const plain = renderScaffold(options({ auth: 'none', batching: false })).get('src/index.ts')!
    expect(plain).not.toContain('Secret')
    expect(plain).not.toContain('transformBatch')
    const basic = renderScaffold(options({ auth: 'basic' })).get('test/fixtures/contract/golden/track.json')!
    expect(JSON.parse(basic).requests[0].headers.authorization).toMatch(/^Basic /)
  })

  it('gives every kind a dev script (patchbay dev fits each kind)', () => {
    const scripts = (kind: ScaffoldOptions['kind']) =>
      JSON.parse(renderScaffold(options({ kind })).get('package.json')!).scripts
    for (const kind of ['destination', 'source', 'transformation'] as const)
      expect(scripts(kind).dev).toBe('patchbay dev')
  })

  it('refuses a non-empty folder and leaves it untouched', () => {
    const dir = join(work, 'taken')
    mkdirSync(dir)
    writeFileSync(join(dir, 'notes.txt'), 'mine')
    expect(() => scaffold(options({ dir }))).toThrow(/already exists and is not empty/)
    expect(readdirSync(dir)).toEqual(['notes.txt'])
  })

  it('refuses a bad name or description, naming the field, before writing anything', () => {
    const dir = join(work, 'x')
    const attempt = (o: Partial<ScaffoldOptions>) => {
      try {
        scaffold(options({ dir, ...o }))
      } catch (error) {
        return error as ScaffoldError
      }
      throw new Error('expected a ScaffoldError')
    }
    expect(attempt({ name: 'Bad Name' })).toMatchObject({
      field: 'name',
      message: expect.stringContaining('"Bad Name"'),
    })
    expect(attempt({ description: 'ends */ here' }).field).toBe('description')
    expect(attempt({ kind: 'sink' as never }).field).toBe('kind')
    expect(readdirSync(work)).toEqual([])
  })

  it('leaves nothing behind when --local points at something that is not a checkout', () => {
    const dir = join(work, 'local')
    expect(() => scaffold(options({ dir, local: work }))).toThrow(ScaffoldError)
    expect(readdirSync(work)).toEqual([])
  })
})
