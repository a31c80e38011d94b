import { afterAll, describe, expect, it } from 'vitest'
import { createSandbox } from '../../src/index.ts'
import { track } from '../_helpers.ts'
import { healthyNextBatch, watchHostHeartbeat } from './_watch.ts'

// TypeScript is transpiled by esbuild, whose service process is shared by everything in the
// host. Small files whose shape costs it (or the host, which reads back what it prints) must
// fail alone, and leave TypeScript working for everyone else.
const sandbox = createSandbox({ poolSize: 1 })
afterAll(() => sandbox.dispose())
watchHostHeartbeat()
const nextBatchSucceeds = healthyNextBatch(sandbox)

const plainTs = (name: string) =>
  sandbox.compile('export function transformEvent(e: { messageId: string }) { return { ...e, ts: true } }', {
    filename: name,
  })

describe('a source too big to handle', () => {
  it('is refused before it is hashed, transpiled or sent to a worker (a 300 MB source stalled the host for 2.8 s)', async () => {
    const code = `export function transformEvent(e) { return e }\n// ${'x'.repeat(16 * 2 ** 20)}`
    for (const filename of ['huge.js', 'huge.ts']) {
      const error = await sandbox.compile(code, { filename }).catch((e: unknown) => e)
      expect(error).toMatchObject({
        name: 'PatchbayError',
        code: 'PB_SANDBOX_COMPILE',
        message: `${filename}: the source is ${code.length} characters long; a transform may have at most ${16 * 2 ** 20}`,
      })
    }
    // Just under the limit compiles (as JavaScript, so this test does not wait for esbuild).
    const under = await sandbox.compile(code.slice(0, 16 * 2 ** 20), { filename: 'under.js' })
    expect((await under.run([track('m-1')])).results[0]).toEqual({ ok: true, events: [track('m-1')] })
    under.dispose()
  }, 60_000)
})

describe('TypeScript that costs the transpiler', () => {
  it('a file nested 10,000 blocks deep (20 KB) does not come back as 200 MB of indented JavaScript', async () => {
    const hostRssBefore = process.memoryUsage.rss()
    const depth = 10_000
    const t = await sandbox.compile(
      // Never called: V8 compiles a function on its first call, and this one overflows its stack.
      `function deep() { ${'{'.repeat(depth)}${'}'.repeat(depth)} }
      export function transformEvent(e: object) { return { ...e, deep: typeof deep } }`,
      { filename: 'blocks.ts' },
    )
    expect((await t.run([track('m-1')])).results[0]).toEqual({
      ok: true,
      events: [{ ...track('m-1'), deep: 'function' }],
    })
    t.dispose()
    // Indented, the JavaScript was 200 MB (and 20,000 levels crashed the host: a string over V8's limit).
    expect(process.memoryUsage.rss() - hostRssBefore).toBeLessThan(100 * 2 ** 20)
  }, 60_000)

  it('a file that crashes the transpiler (100,000 nested arrow functions, 400 KB) fails alone, and TypeScript still compiles after it', async () => {
    const source = `export const f = ${'() => '.repeat(100_000)}1\nexport function transformEvent(e: object) { return e }`
    const [crash, neighbour] = await Promise.allSettled([
      sandbox.compile(source, { filename: 'arrows.ts' }),
      plainTs('neighbour.ts'),
    ])
    expect(crash).toMatchObject({
      status: 'rejected',
      reason: {
        name: 'PatchbayError',
        code: 'PB_SANDBOX_COMPILE',
        message: expect.stringContaining(
          'arrows.ts: the TypeScript transpiler (esbuild) crashed on this file',
        ),
      },
    })
    // Compiled at the same time, on the same transpiler: it is tried again, and loads.
    expect(neighbour.status).toBe('fulfilled')
    const after = await plainTs('after.ts')
    expect((await after.run([track('m-2')])).results[0]).toEqual({
      ok: true,
      events: [{ ...track('m-2'), ts: true }],
    })
    await nextBatchSucceeds()
  }, 120_000)
})
