import { afterAll, describe, expect, it } from 'vitest'
import { sandboxFor, summarize, track } from './_helpers.ts'

// Small limits keep these tests quick; the behaviour is the same at the defaults.
const sandbox = sandboxFor({
  memoryLimitMb: 32,
  cpuTimeMs: 200,
  wallTimeMs: 1000,
  outputLimitBytes: 10_000,
  poolSize: 1,
})
afterAll(() => sandbox.dispose())

const compile = (code: string, filename = 'limits.js') => sandbox.compile(code, { filename })
const healthy = () => compile('export function transformEvent(e) { return { ...e, ok: true } }')
// Memory bombs get a generous CPU budget, so a slow, loaded machine still hits the memory limit first.
const compileBomb = (code: string) =>
  sandbox.compile(code, { filename: 'limits.js', cpuTimeMs: 20_000, wallTimeMs: 30_000 })

describe('memory limit', () => {
  it('fails the batch with a memory-limit error, then a fresh isolate serves the next batch', async () => {
    const bomb = await compileBomb(`export function transformEvent(event) {
      if (event.messageId !== 'boom') return event
      const hoard = []
      while (true) hoard.push(new Array(100000).fill(event.messageId))
    }`)
    const { results } = await bomb.run([track('m-1'), track('boom'), track('m-3')])
    expect(results.map(summarize)).toEqual(
      Array(3).fill({
        code: 'PB_SANDBOX_MEMORY_LIMIT',
        message:
          'limits.js: the transform ran out of memory (isolate memory limit 32 MB); the batch of 3 events failed',
      }),
    )
    const next = await bomb.run([track('m-4')])
    expect(next.results[0]).toEqual({ ok: true, events: [track('m-4')] })
  })

  it('gives other transforms of the sandbox a working isolate after one ran out of memory', async () => {
    const other = await healthy()
    const bomb = await compileBomb(
      `export function transformEvent() { let s = []; for (let i = 0; ; i++) s.push(new Array(200000).fill(i)) }`,
    )
    expect((await bomb.run([track('m-1')])).results[0]).toMatchObject({
      ok: false,
      error: { code: 'PB_SANDBOX_MEMORY_LIMIT' },
    })
    expect(summarize((await other.run([track('m-2')])).results[0]!)).toEqual([{ ...track('m-2'), ok: true }])
  })
})

describe('time limits', () => {
  it('stops an endless synchronous loop at the CPU limit and fails the batch', async () => {
    const loop = await compile('export function transformEvent(e) { while (true) {} }')
    const { results } = await loop.run([track('m-1'), track('m-2')])
    expect(summarize(results[0]!)).toEqual({
      code: 'PB_SANDBOX_TIMEOUT',
      message:
        'limits.js: the transform ran for more than 200 ms without yielding (an endless loop or a catastrophic regex?); the batch of 2 events failed',
    })
    expect((await (await healthy()).run([track('m-3')])).results[0]!.ok).toBe(true)
  })

  it('stops an endless loop of microtasks (async) at the CPU limit', async () => {
    const loop = await compile('export async function transformEvent(e) { for (;;) await null }')
    const { results } = await loop.run([track('m-1')])
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'PB_SANDBOX_TIMEOUT' } })
  })

  it('fails at once when the transform awaits a promise nothing can resolve', async () => {
    const stuck = await compile(`export async function transformEvent(e) {
      log('waiting forever')
      await new Promise(() => {})
      return e
    }`)
    const { results, logs } = await stuck.run([track('m-1')])
    expect(summarize(results[0]!)).toEqual({
      code: 'PB_SANDBOX_TIMEOUT',
      message:
        'limits.js: transformEvent returned a promise that can never settle (it awaits something nothing will resolve); the batch of 1 event failed',
    })
    expect(logs).toEqual([{ level: 'log', message: 'waiting forever', messageId: 'm-1' }])
    expect((await stuck.run([track('m-2')])).results[0]!.ok).toBe(false)
  })

  it('uses a per-transform CPU limit when one is given at compile time', async () => {
    const t = await sandbox.compile('export function transformEvent(e) { while (true) {} }', {
      filename: 'quick.js',
      cpuTimeMs: 20,
    })
    const { results } = await t.run([track('m-1')])
    expect(results[0]).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('more than 20 ms') },
    })
  })
})

describe('output limit', () => {
  it('fails only the event whose output is over the limit', async () => {
    const t = await compile(`export function transformEvent(event) {
      return event.messageId === 'big' ? { ...event, blob: 'x'.repeat(20000) } : event
    }`)
    const { results } = await t.run([track('m-1'), track('big'), track('m-3')])
    expect(results[0]!.ok).toBe(true)
    expect(results[2]!.ok).toBe(true)
    expect(summarize(results[1]!)).toEqual({
      code: 'PB_SANDBOX_OUTPUT_LIMIT',
      message: expect.stringMatching(
        /^limits\.js: the output for this event is 20\d{3} characters of JSON, over the limit of 10000 \(event big\)$/,
      ),
    })
  })

  it('counts a fan-out as one output against the limit', async () => {
    const t = await compile(`export function transformEvent(event) {
      return Array.from({ length: 100 }, (_, i) => ({ ...event, messageId: event.messageId + '-' + i }))
    }`)
    const { results } = await t.run([track('m-1')])
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'PB_SANDBOX_OUTPUT_LIMIT' } })
  })
})

describe('options', () => {
  it('refuses invalid options with a configuration error naming the field', () => {
    expect(() => sandboxFor({ memoryLimitMb: 2 })).toThrow(
      expect.objectContaining({
        code: 'PB_CONFIG_INVALID',
        message: expect.stringContaining('/memoryLimitMb'),
      }),
    )
    expect(() => sandboxFor({ cpuTimeMs: 'fast' } as never)).toThrow(
      expect.objectContaining({ code: 'PB_CONFIG_INVALID' }),
    )
  })
})
