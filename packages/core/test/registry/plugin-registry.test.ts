import { fileURLToPath } from 'node:url'
import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { defineDestination, isPatchbayError, PluginRegistry, parsePluginSpec } from '../../src/index.ts'
import { rejected } from '../_thrown.ts'

const project = fileURLToPath(new URL('../fixtures/registry/', import.meta.url))
const registry = () => new PluginRegistry({ cwd: project })

describe('parsePluginSpec', () => {
  it('reads scoped names with ranges, bare names and local paths', () => {
    expect(parsePluginSpec('@patchbay/destination-webhook@^1')).toMatchObject({
      type: 'package',
      name: '@patchbay/destination-webhook',
      range: '^1',
    })
    expect(parsePluginSpec('echo')).toMatchObject({ type: 'package', name: 'echo', range: '*' })
    expect(parsePluginSpec('./plugins/upper.js')).toMatchObject({ type: 'path', path: './plugins/upper.js' })
    expect(parsePluginSpec('file:../x')).toMatchObject({ type: 'path', path: '../x' })
  })

  it('rejects nonsense with a message that shows the expected form', () => {
    expect(() => parsePluginSpec('Not A Name@1')).toThrowError(
      /expected name@range \(e\.g\. @patchbay\/destination-webhook@\^1\) or a \.\/path/,
    )
    expect(() => parsePluginSpec('echo@banana')).toThrowError(
      '"echo@banana" has an invalid version range "banana"',
    )
  })
})

describe('PluginRegistry', () => {
  it('lists installed plugins from package.json metadata, including npm aliases, without importing them', () => {
    const rows = registry()
      .list()
      .filter((r) => r.name.startsWith('@acme/'))
      .map(({ name, version, kind, installName }) => ({ name, version, kind, installName }))
    expect(rows).toEqual([
      { name: '@acme/destination-echo', version: '1.4.0', kind: 'destination', installName: 'echo-v1' },
      { name: '@acme/destination-echo', version: '2.1.0', kind: 'destination', installName: 'echo-v2' },
      {
        name: '@acme/destination-future',
        version: '5.0.0',
        kind: 'destination',
        installName: '@acme/destination-future',
      },
      {
        name: '@acme/destination-liar',
        version: '0.3.0',
        kind: 'destination',
        installName: '@acme/destination-liar',
      },
      {
        name: '@acme/destination-renamed',
        version: '1.0.0',
        kind: 'destination',
        installName: '@acme/destination-renamed',
      },
    ])
  })

  it('refuses a plugin whose name drifted from its package, saying which name to set', async () => {
    const error = await rejected(registry().resolve('@acme/destination-renamed'))
    expect(error.code).toBe('PB_PLUGIN_INVALID')
    expect(error.message).toContain(
      'declares plugin @acme/destination-old-name but its package is @acme/destination-renamed',
    )
    expect(error.hint).toContain("Set name: '@acme/destination-renamed' in the plugin definition")
  })

  it('loads two majors of one plugin side by side and picks one per range', async () => {
    const r = registry()
    const v1 = await r.resolve('@acme/destination-echo@^1')
    const v2 = await r.resolve('@acme/destination-echo@^2')
    expect([v1.id, v2.id]).toEqual(['@acme/destination-echo@1.4.0', '@acme/destination-echo@2.1.0'])
    expect(v1.plugin).not.toBe(v2.plugin)
    expect(v1.migrateFrom).toBeUndefined()
    expect((await r.resolve('@acme/destination-echo')).id).toBe('@acme/destination-echo@2.1.0')
  })

  it('falls back to a newer major whose migrations reach the requested one, and says so', async () => {
    const r = new PluginRegistry({ cwd: project })
    // Hide v1, as if only v2 were installed.
    const only2 = r.installed().filter((p) => p.installName !== 'echo-v1')
    r.installed().splice(0, r.installed().length, ...only2)
    const resolved = await r.resolve('@acme/destination-echo@^1')
    expect(resolved.id).toBe('@acme/destination-echo@2.1.0')
    expect(resolved.migrateFrom).toBe(1)
  })

  it('refuses a plugin written for another plugin API, naming both versions, before importing it', async () => {
    const error = await rejected(registry().resolve('@acme/destination-future@^5'))
    expect(isPatchbayError(error)).toBe(true)
    expect(error.code).toBe('PB_PLUGIN_API_MISMATCH')
    expect(error.message).toBe(
      '@acme/destination-future@5.0.0 was written for plugin API 7, but this @patchbay/core supports plugin API 1, 2, 3',
    )
    expect(error.hint).toContain('Upgrade @patchbay/core to a version that supports plugin API 7')
  })

  it('checks the apiVersion the definition declares too', async () => {
    const error = await rejected(registry().resolve('@acme/destination-liar'))
    expect(error.code).toBe('PB_PLUGIN_API_MISMATCH')
    expect(error.message).toContain('@acme/destination-liar@0.3.0 was written for plugin API 9')
  })

  it('says what is installed when no version matches, and how to add one side by side', async () => {
    const error = await rejected(registry().resolve('@acme/destination-echo@^3'))
    expect(error.code).toBe('PB_PLUGIN_NOT_FOUND')
    expect(error.message).toBe(
      'No installed version of @acme/destination-echo satisfies "^3": installed 1.4.0 (as echo-v1), 2.1.0 (as echo-v2), and none of the newer majors has config migrations back to 3',
    )
    const missing = await rejected(registry().resolve('@acme/destination-nope@^1'))
    expect(missing.message).toMatch(/^Plugin @acme\/destination-nope is not installed/)
    expect(missing.hint).toBe('Run: npm i @acme/destination-nope@"^1"')
  })

  it('loads local plugins by path relative to a base folder', async () => {
    const resolved = await registry().resolve('./plugins/upper.js', { baseDir: project })
    expect(resolved.plugin).toMatchObject({ kind: 'transformation', name: 'upper', version: '0.1.0' })
  })

  it('refuses modules that are not plugins, and plugins of the wrong kind', async () => {
    const notPlugin = await rejected(registry().resolve('./plugins/not-a-plugin.js', { baseDir: project }))
    expect(notPlugin.code).toBe('PB_PLUGIN_INVALID')
    expect(notPlugin.message).toMatch(/not-a-plugin\.js is not a Patchbay plugin$/)
    const wrongKind = await rejected(
      registry().resolve('./plugins/upper.js', { baseDir: project, kind: 'destination' }),
    )
    expect(wrongKind.message).toBe(
      '"./plugins/upper.js" is a transformation plugin (upper@0.1.0), but this step needs a destination',
    )
    const absent = await rejected(registry().resolve('./plugins/absent.js', { baseDir: project }))
    expect(absent.code).toBe('PB_PLUGIN_NOT_FOUND')
  })

  it('accepts inline plugins and checks their apiVersion at registration', () => {
    const make = (apiVersion: number) =>
      defineDestination({
        name: '@acme/inline',
        version: '1.0.0',
        apiVersion,
        config: Type.Object({}),
        supports: ['track'],
        transform: () => null,
      })
    expect(
      registry()
        .add(make(1))
        .list()
        .some((p) => p.name === '@acme/inline'),
    ).toBe(true)
    expect(() => registry().add(make(4))).toThrowError(/written for plugin API 4/)
  })
})
