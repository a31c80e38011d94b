import { afterAll, describe, expect, it } from 'vitest'
import { PREPARED_CACHE_CHARS, preparedCacheChars, prepareSource } from '../src/_source.ts'
import { sandboxFor, track } from './_helpers.ts'

const sandbox = sandboxFor()
afterAll(() => sandbox.dispose())

describe('compile cache', () => {
  it('prepares the same code under the same name once, keyed by content hash', async () => {
    const code = 'export function transformEvent(e: { n: number }) { return { ...e, n: e.n + 1 } }'
    const a = await prepareSource(code, 'cache-a.ts')
    expect(await prepareSource(code, 'cache-a.ts')).toBe(a)
    expect(await prepareSource(`${code}\n`, 'cache-a.ts')).not.toBe(a)
    expect(await prepareSource(code, 'cache-b.ts')).not.toBe(a)
  })

  it('keeps at most PREPARED_CACHE_CHARS of prepared sources, however large the transforms compiled', async () => {
    // 40 different transforms of 4 MB each: 160 MB of text the host kept after they were gone.
    const pad = 'x'.repeat(4_000_000)
    for (let i = 0; i < 40; i++)
      await prepareSource(
        `const pad = '${pad}' // ${i}\nexport function transformEvent(e) { return e }`,
        `big-${i}.js`,
      )
    expect(preparedCacheChars()).toBeLessThanOrEqual(PREPARED_CACHE_CHARS)
    // The most recent is still a hit.
    const last = `const pad = '${pad}' // 39\nexport function transformEvent(e) { return e }`
    expect(await prepareSource(last, 'big-39.js')).toBe(await prepareSource(last, 'big-39.js'))
  })
})

describe('pool', () => {
  it('reuses warm workers across batches and transforms, one isolate per transform in each', async () => {
    const a = await sandbox.compile('export const transformEvent = (e) => e', { filename: 'a.js' })
    const before = sandbox.stats().workersStarted
    const b = await sandbox.compile('export const transformEvent = (e) => ({ ...e, b: 1 })', {
      filename: 'b.js',
    })
    for (let i = 0; i < 20; i++) {
      await a.run([track(`a-${i}`)])
      await b.run([track(`b-${i}`)])
    }
    expect(sandbox.stats().workersStarted).toBe(before)
    expect(sandbox.stats().workers).toBeLessThanOrEqual(2)
  })

  it('a disposed transform refuses to run', async () => {
    const t = await sandbox.compile('export const transformEvent = (e) => e', { filename: 'gone.js' })
    t.dispose()
    await expect(t.run([track('m-1')])).rejects.toThrow('gone.js: this transform was disposed')
  })
})
