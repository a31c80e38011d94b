import { afterAll, describe, expect, it } from 'vitest'
import { createSandbox } from '../../src/index.ts'
import { track } from '../_helpers.ts'
import { healthyNextBatch, watchHostHeartbeat } from './_watch.ts'

// User code may change any built-in of its own context: toJSON on the prototypes, index
// setters on Array.prototype, a returned array with a toJSON of its own, a Proxy that lies
// about its length. None of it may walk around a budget, or bring the host more than the
// batch's output limit; the worst it may do is break its own output.
const sandbox = createSandbox({ memoryLimitMb: 64, poolSize: 1 })
afterAll(() => sandbox.dispose())
watchHostHeartbeat()

const nextBatchSucceeds = healthyNextBatch(sandbox)

describe('fan-out cannot be forged', () => {
  it('a toJSON on the returned array cannot fan one event out past maxFanOut', async () => {
    const t = await sandbox.compile(
      `export function transformEvent(e) {
        const out = [e]
        out.toJSON = () => Array.from({ length: 50_000 }, () => ({}))
        return out
      }`,
      { filename: 'fan-tojson.js' },
    )
    const { results } = await t.run([track('m-1')])
    expect(results).toHaveLength(1)
    const events = results[0]!.ok ? results[0]!.events : []
    expect(events.length).toBeLessThanOrEqual(100)
    t.dispose()
    await nextBatchSucceeds()
  })

  it('a transformBatch result that lies about its length cannot pass maxFanOut', async () => {
    const t = await sandbox.compile(
      `export function transformBatch(events) {
        let reads = 0
        return new Proxy([events[0]], {
          get(target, key) {
            if (key === 'length') return reads++ === 0 ? 1 : 50_000
            if (typeof key === 'string' && /^\\d+$/.test(key)) return events[0]
            return target[key]
          },
        })
      }`,
      { filename: 'batch-length.js' },
    )
    const { results } = await t.run([track('m-1'), track('m-2')])
    const total = results.reduce((n, r) => n + (r.ok ? r.events.length : 0), 0)
    expect(total).toBeLessThanOrEqual(200)
    t.dispose()
  })
})

describe("the runtime's own lists are out of user code's reach", () => {
  it('Object.prototype.toJSON does not rewrite the log entries (a 20 MB log line never leaves the sandbox)', async () => {
    const t = await sandbox.compile(
      `export function transformEvent(e) {
        Object.prototype.toJSON = function () { return this.level ? 'L'.repeat(20_000_000) : this }
        log('hi')
        return e
      }`,
      { filename: 'proto-tojson.js' },
    )
    const { results, logs } = await t.run([track('m-1')])
    expect(results).toEqual([{ ok: true, events: [track('m-1')] }])
    expect(logs).toEqual([{ level: 'log', message: 'hi', messageId: 'm-1' }])
    t.dispose()
  })

  it('Array.prototype.toJSON does not rewrite the output or the logs', async () => {
    const t = await sandbox.compile(
      `export function transformEvent(e) {
        Array.prototype.toJSON = function () { return 'A'.repeat(20_000_000) }
        log('hi')
        return e
      }`,
      { filename: 'array-tojson.js' },
    )
    const { results, logs } = await t.run([track('m-1')])
    expect(results).toEqual([{ ok: true, events: [track('m-1')] }])
    expect(logs).toEqual([{ level: 'log', message: 'hi', messageId: 'm-1' }])
    t.dispose()
  })

  it('an index setter on Array.prototype does not break the run (nor blame the sandbox with a 5 MB message)', async () => {
    const t = await sandbox.compile(
      `export function transformEvent(e) {
        Object.defineProperty(Array.prototype, '1', { set() { throw new Error('x'.repeat(5_000_000)) }, configurable: true })
        return e
      }`,
      { filename: 'index-setter.js' },
    )
    const events = [track('m-1'), track('m-2'), track('m-3')]
    const { results } = await t.run(events)
    expect(results).toEqual(events.map((e) => ({ ok: true, events: [e] })))
    t.dispose()
  })
})

describe('errors stay small', () => {
  it('compile() of a module whose top level throws a 5 MB message rejects with the message cut', async () => {
    const error = await sandbox
      .compile("throw new Error('x'.repeat(5_000_000)); export function transformEvent(e) { return e }", {
        filename: 'top-throw.js',
      })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'PatchbayError', code: 'PB_SANDBOX_COMPILE' })
    const message = (error as Error).message
    expect(message.length).toBeLessThan(3_000)
    expect(message).toContain(`top-throw.js:1:7: Error: ${'x'.repeat(2000)}…`)
    await nextBatchSucceeds()
  })

  it('compile() of a module whose top level throws a 5 MB string rejects with it cut', async () => {
    const error = await sandbox
      .compile("throw 's'.repeat(5_000_000); export function transformEvent(e) { return e }", {
        filename: 'top-string.js',
      })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'PatchbayError', code: 'PB_SANDBOX_COMPILE' })
    expect((error as Error).message.length).toBeLessThan(3_000)
  })
})
