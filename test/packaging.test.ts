// @long-pole 114: seconds in a CI run; the longest files start first (see vitest.config.ts).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { describe, expect, it } from 'vitest'
import { root, workspaceDirs } from './_build.ts'

/**
 * The packages as Node loads them once built: plain ESM from dist/, no source condition,
 * no bundler. Every workspace package.
 */
const packages = workspaceDirs()

/** The npm name of the package in `dir`. */
const pkgName = (dir: string): string => JSON.parse(readFileSync(`${root}${dir}/package.json`, 'utf8')).name

/** Runs an ESM snippet with plain `node`, as a user's script would. */
function node(code: string) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(r.stderr)
  return r.stdout.trim()
}

describe.each(packages)('%s after build', (name) => {
  it('imports from a plain Node ESM script with the same exports as its sources', async () => {
    const built = JSON.parse(
      node(`console.log(JSON.stringify(Object.keys(await import('${pkgName(name)}')).sort()))`),
    )
    const sources = Object.keys(await import(/* @vite-ignore */ `${root}${name}/src/index.ts`)).sort()
    expect(built).toEqual(sources)
  })

  it('passes publint (exports, types, files, as npm would pack it)', async () => {
    const pkg = JSON.parse(readFileSync(`${root}${name}/package.json`, 'utf8'))
    const { messages } = await publint({ pkgDir: `${root}${name}`, level: 'warning' })
    expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg)}`)).toEqual([])
  })

  it('inlines no dependency into dist (each import it does not declare would be bundled)', () => {
    const inlined = readdirSync(`${root}${name}/dist`, { recursive: true })
      .map(String)
      .filter((file) => file.endsWith('.js'))
      .flatMap((file) =>
        [
          ...readFileSync(`${root}${name}/dist/${file}`, 'utf8').matchAll(
            /^\/\/ (?:\.\.\/)*node_modules\/((?:@[^/]+\/)?[^/]+)\//gm,
          ),
        ].map((m) => `${file}: ${m[1]}`),
      )
    expect([...new Set(inlined)]).toEqual([])
  })

  it('has an exports map with types first, and ships its README', () => {
    const pkg = JSON.parse(readFileSync(`${root}${name}/package.json`, 'utf8'))
    expect(Object.keys(pkg.exports['.'])).toEqual(['@patchbay/source', 'types', 'default'])
    expect(pkg.files).toContain('README.md')
    expect(existsSync(`${root}${name}/README.md`)).toBe(true)
    expect(existsSync(`${root}${name}/${pkg.exports['.'].types}`)).toBe(true)
  })
})

describe('@patchbay/protocol after build', () => {
  it('works from a plain script: validate, normalise, and read a JSON Schema file', () => {
    const out = node(`
      import { validateEvent, normalizeEvent } from '@patchbay/protocol'
      import { createRequire } from 'node:module'
      const require = createRequire(import.meta.url)
      const schema = require('@patchbay/protocol/schemas/track.json')
      const r = validateEvent({ type: 'track', event: 'A', userId: 'u' })
      const n = normalizeEvent(r.event, { receivedAt: '2026-11-22T10:00:00.000Z', messageId: () => 'm-1' })
      console.log(JSON.stringify([r.ok, n.messageId, n.timestamp, schema.$id]))
    `)
    expect(JSON.parse(out)).toEqual([
      true,
      'm-1',
      '2026-11-22T10:00:00.000Z',
      'https://patchbay.dev/schemas/protocol/v1/track.json',
    ])
  })
})
