import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { root } from './_build.ts'

/**
 * The packages as Node loads them once built: plain ESM from dist/, no source condition,
 * no bundler. Builds the packages first when dist/ is missing (a fresh clone).
 */
const packages = [
  'packages/protocol',
  'packages/core',
  'packages/sandbox',
  'packages/cli',
  'connectors/destination-webhook',
  'connectors/source-webhook',
  'connectors/source-log',
] as const

/** Runs an ESM snippet with plain `node`, as a user's script would. */
function node(code: string) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(r.stderr)
  return r.stdout.trim()
}

describe.each(packages)('%s after build', (name) => {
  it('imports from a plain Node ESM script with the same exports as its sources', async () => {
    const built = JSON.parse(
      node(
        `console.log(JSON.stringify(Object.keys(await import('@patchbay/${name.split('/')[1]}')).sort()))`,
      ),
    )
    const sources = Object.keys(await import(/* @vite-ignore */ `${root}${name}/src/index.ts`)).sort()
    expect(built).toEqual(sources)
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
