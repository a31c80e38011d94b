import { afterAll, describe, expect, it } from 'vitest'
import * as hash from '../src/hash/index.ts'
import * as logParsers from '../src/log/index.ts'
import { sandboxFor, summarize, track } from './_helpers.ts'

const sandbox = sandboxFor()
afterAll(() => sandbox.dispose())

const exportsInside = async (specifier: string) => {
  const t = await sandbox.compile(
    `import * as lib from '${specifier}'
    export function transformEvent(event) {
      return { ...event, exported: Object.entries(lib).map(([k, v]) => k + ':' + typeof v).sort() }
    }`,
    { filename: 'probe.js' },
  )
  const result = (await t.run([track('m-1')])).results[0]!
  if (!result.ok) throw result.error
  return (result.events[0] as { exported: string[] }).exported
}

const exportsOutside = (lib: Record<string, unknown>) =>
  Object.entries(lib)
    .map(([k, v]) => `${k}:${typeof v}`)
    .sort()

describe('built-in modules', () => {
  it('@patchbay/sandbox/log is importable inside the sandbox, with the same exports as in Node', async () => {
    expect(await exportsInside('@patchbay/sandbox/log')).toEqual(exportsOutside(logParsers))
  })

  it('@patchbay/sandbox/hash is importable inside the sandbox, with the same exports as in Node', async () => {
    expect(await exportsInside('@patchbay/sandbox/hash')).toEqual(exportsOutside(hash))
    expect(exportsOutside(hash)).toEqual(['hmacSha256:function', 'sha256:function'])
  })

  it('hashes inside the isolate exactly as in Node, for hmacSha256 too', async () => {
    const t = await sandbox.compile(
      `import { hmacSha256 } from '@patchbay/sandbox/hash'
      export function transformEvent(event) { return { ...event, userId: hmacSha256('pepper', event.userId) } }`,
      { filename: 'hmac.js' },
    )
    expect(summarize((await t.run([track('m-1')])).results[0]!)).toEqual([
      { ...track('m-1'), userId: hash.hmacSha256('pepper', 'user-1') },
    ])
  })
})
