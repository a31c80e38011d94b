import { afterAll, describe, expect, it } from 'vitest'
import { createSandbox } from '../../src/index.ts'
import { track } from '../_helpers.ts'
import { healthyNextBatch, watchHostHeartbeat } from './_watch.ts'

const sandbox = createSandbox({ memoryLimitMb: 32, cpuTimeMs: 200, wallTimeMs: 1000, poolSize: 1 })
afterAll(() => sandbox.dispose())
watchHostHeartbeat()

const nextBatchSucceeds = healthyNextBatch(sandbox)

describe('code that runs outside the limits is contained by the worker', () => {
  // isolated-vm reads an unhandled rejection's message and stack after the timed call; a
  // getter or Proxy there runs with no limit. In a worker process the host's own timer kills it.
  const hostile: Record<string, string> = {
    'a rejection whose stack getter loops': `const err = new Error('x')
      Object.defineProperty(err, 'stack', { get() { for (;;) {} } })
      Promise.reject(err)`,
    'a rejection whose message getter loops': `Promise.reject({ get message() { for (;;) {} } })`,
    'a looping Proxy as the rejection reason': `Promise.reject(new Proxy({}, { get() { for (;;) {} } }))`,
    'a built-in that ignores interrupts': `const a = []; a[2 ** 32 - 2] = 1; a.indexOf(5)`,
  }
  for (const [name, body] of Object.entries(hostile)) {
    it(`${name}: the batch fails with PB_SANDBOX_TIMEOUT and the next batch succeeds`, async () => {
      const t = await sandbox.compile(`export function transformEvent(e) { ${body}; return e }`, {
        filename: 'hostile.js',
      })
      const { results } = await t.run([track('m-1')])
      expect(results[0]).toMatchObject({
        ok: false,
        error: {
          code: 'PB_SANDBOX_TIMEOUT',
          message: expect.stringContaining('the sandbox worker did not answer within'),
        },
      })
      t.dispose()
      await nextBatchSucceeds()
    }, 60_000)
  }

  it('compile() settles with a PatchbayError when the top level rejects with a hostile reason', async () => {
    const error = await sandbox
      .compile(
        `const err = new Error('x')
        Object.defineProperty(err, 'stack', { get() { for (;;) {} } })
        Promise.reject(err)
        export function transformEvent(e) { return e }`,
        { filename: 'top-level.js' },
      )
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'PatchbayError', code: 'PB_SANDBOX_TIMEOUT' })
    expect((error as Error).message).toContain(
      'top-level.js: loading the module took the sandbox worker down',
    )
    await nextBatchSucceeds()
  }, 60_000)

  it('Error.prepareStackTrace cannot run code when a stack is read: the batch just goes on', async () => {
    const t = await sandbox.compile(
      `export function transformEvent(e) {
        Error.prepareStackTrace = () => { for (;;) {} }
        Promise.reject(new Error('boom'))
        return { ...e, stack: typeof new Error('probe').stack }
      }`,
      { filename: 'pst.js' },
    )
    const { results, logs } = await t.run([track('m-1')])
    expect(results[0]).toEqual({ ok: true, events: [{ ...track('m-1'), stack: 'string' }] })
    expect(logs).toEqual([
      { level: 'warn', message: 'unhandled promise rejection (the batch went on): Error: boom' },
    ])
  })

  it('an endless loop over a big batch never blocks the host: the CPU limit fails it', async () => {
    const t = await sandbox.compile(
      'export function transformEvent(e) { let x = 0; for (let i = 0; i < 1e5; i++) x += i; return { ...e, x } }',
      { filename: 'busy.js' },
    )
    const events = Array.from({ length: 2500 }, (_, i) => track(`m-${i}`))
    const { results } = await t.run(events)
    // Whether it finishes or hits the limit depends on the machine; the heartbeat is the point.
    expect(results).toHaveLength(2500)
    t.dispose()
    await nextBatchSucceeds()
  }, 60_000)
})
