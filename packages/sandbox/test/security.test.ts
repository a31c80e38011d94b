import { afterAll, describe, expect, it } from 'vitest'
import { sandboxFor, summarize, track } from './_helpers.ts'

// Each attack must fail harmlessly: inside the isolate, or as a per-event or per-batch error.
const sandbox = sandboxFor({ memoryLimitMb: 32, cpuTimeMs: 200, wallTimeMs: 1000 })
afterAll(() => sandbox.dispose())

const compile = (code: string) => sandbox.compile(code, { filename: 'attack.js' })
const runOne = async (code: string, event = track('m-1')) =>
  (await (await compile(code)).run([event])).results[0]!

describe('no way out to the host', () => {
  it('finds no process, require or module through constructor chains', async () => {
    const result = await runOne(`export function transformEvent(event, metadata) {
      const tries = {
        fn: () => (function () {}).constructor('return typeof process')(),
        thisCtor: () => this === undefined ? 'undefined' : this.constructor.constructor('return typeof process')(),
        log: () => log.constructor.constructor('return typeof require')(),
        metadata: () => metadata.constructor('return typeof module')(),
        fetch: () => fetch.constructor('return typeof process')(),
        event: () => event.constructor.constructor('return typeof process')(),
        globalProcess: () => typeof globalThis.process,
        viaAsync: () => (async () => {}).constructor('return typeof process')().constructor.name,
      }
      const out = {}
      for (const [k, f] of Object.entries(tries)) { try { out[k] = f() } catch (e) { out[k] = 'threw ' + e.name } }
      return { ...event, out }
    }`)
    expect(summarize(result)).toEqual([
      {
        ...track('m-1'),
        out: {
          fn: 'undefined',
          thisCtor: 'undefined',
          log: 'undefined',
          metadata: 'undefined',
          fetch: 'undefined',
          event: 'undefined',
          globalProcess: 'undefined',
          viaAsync: 'Promise',
        },
      },
    ])
  })

  it('exposes only standard globals plus log, console, fetch and fetchV2, with no isolated-vm object anywhere', async () => {
    const result = await runOne(`export function transformEvent(event) {
      const suspicious = []
      const seen = new Set()
      const visit = (value, path, depth) => {
        if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value) || depth > 3) return
        seen.add(value)
        for (const key of Reflect.ownKeys(value)) {
          const name = String(key)
          if (/^(derefInto|copySync|copyInto|applySync|applySyncPromise|applyIgnored|ExternalCopy|Reference|Isolate|Callback|_?ivm)$/.test(name)) suspicious.push(path + '.' + name)
          const d = Object.getOwnPropertyDescriptor(value, key)
          if (d && 'value' in d) visit(d.value, path + '.' + name, depth + 1)
        }
      }
      visit(globalThis, 'globalThis', 0)
      return { ...event, globals: Object.getOwnPropertyNames(globalThis).sort(), suspicious }
    }`)
    if (!result.ok) throw result.error
    const out = result.events[0] as { globals: string[]; suspicious: string[] }
    expect(out.suspicious).toEqual([])
    expect(out.globals).toEqual(
      expect.arrayContaining(['log', 'console', 'fetch', 'fetchV2', 'JSON', 'Math']),
    )
    for (const name of [
      'process',
      'require',
      'module',
      'global',
      'Buffer',
      'setTimeout',
      'SharedArrayBuffer',
      'Atomics',
      'WebAssembly',
      'FinalizationRegistry',
      // The worker process runs with --expose-gc (for its own collections); V8 flags reach
      // every isolate, so the runtime removes it.
      'gc',
    ])
      expect(out.globals).not.toContain(name)
  })

  it('reveals nothing through stack-trace call sites (Error.prepareStackTrace)', async () => {
    const result = await runOne(`export function transformEvent(event) {
      const found = []
      Error.prepareStackTrace = (error, frames) => {
        for (const f of frames) {
          for (const v of [f.getThis(), f.getFunction()]) {
            if (v === undefined || v === null) continue
            found.push(typeof v + ':' + Object.getOwnPropertyNames(v).join('|'))
          }
        }
        return 'stack'
      }
      log({ toJSON() { new Error('probe').stack; return 'x' } })
      fetch(42).catch(() => {})
      Error.prepareStackTrace = undefined
      return { ...event, found }
    }`)
    if (!result.ok) throw result.error
    const found = (result.events[0] as { found: string[] }).found
    for (const entry of found) expect(entry).not.toMatch(/deref|applySync|copySync/)
  })

  it('cannot import modules dynamically', async () => {
    const result = await runOne(`export async function transformEvent(event) {
      const mod = await import('node:fs')
      return { ...event, read: typeof mod.readFileSync }
    }`)
    expect(summarize(result)).toEqual({
      code: 'PB_TRANSFORM_FAILED',
      message: 'attack.js:2:19: transformEvent threw Error: Not supported (event m-1)',
    })
  })
})

describe('returned values cannot act on the host', () => {
  it('cannot pollute host prototypes through __proto__ or constructor keys', async () => {
    const result = await runOne(`export function transformEvent(event) {
      const evil = JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}')
      Object.prototype.pollutedInside = 'only in the isolate'
      return Object.assign(evil, event)
    }`)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(({} as Record<string, unknown>).pollutedInside).toBeUndefined()
    if (!result.ok) throw result.error
    const out = result.events[0] as Record<string, unknown>
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(Object.hasOwn(out, '__proto__')).toBe(true)
    expect(out.polluted).toBeUndefined()
  })

  it('runs getters and proxies inside the isolate; the host gets plain data', async () => {
    const result = await runOne(`let calls = 0
    export function transformEvent(event) {
      const withGetter = { ...event, get computed() { calls++; return 'from getter ' + calls } }
      const proxy = new Proxy({ inner: 1 }, { get: (t, k) => k === 'inner' ? 'trapped' : t[k] })
      return { ...withGetter, proxy }
    }`)
    if (!result.ok) throw result.error
    const out = result.events[0] as Record<string, unknown>
    expect(Object.getOwnPropertyDescriptor(out, 'computed')).toEqual({
      value: 'from getter 1',
      writable: true,
      enumerable: true,
      configurable: true,
    })
    expect(out.proxy).toEqual({ inner: 'trapped' })
    expect(JSON.stringify(out)).toContain('from getter 1')
  })

  it('stops a getter that loops forever at the CPU limit', async () => {
    const result = await runOne(`export function transformEvent(event) {
      return { ...event, get forever() { while (true) {} } }
    }`)
    expect(result).toMatchObject({ ok: false, error: { code: 'PB_SANDBOX_TIMEOUT' } })
  })

  it('reports a circular or BigInt output as a per-event error', async () => {
    const t = await compile(`export function transformEvent(event) {
      if (event.messageId === 'circle') { event.self = event; return event }
      if (event.messageId === 'big') return { ...event, n: 10n }
      return event
    }`)
    const { results } = await t.run([track('circle'), track('big'), track('m-3')])
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
      'PB_TRANSFORM_INVALID_OUTPUT',
      'PB_TRANSFORM_INVALID_OUTPUT',
      'ok',
    ])
    expect(results[0]).toMatchObject({
      error: { message: expect.stringContaining('cannot be turned into JSON') },
    })
  })

  it('reports an event whose toJSON returns a non-object as an invalid output', async () => {
    const result = await runOne(
      `export function transformEvent(event) { return { ...event, toJSON: () => 'text' } }`,
    )
    expect(summarize(result)).toEqual({
      code: 'PB_TRANSFORM_INVALID_OUTPUT',
      message:
        'attack.js: the output did not serialize to event objects (a toJSON method that returns something else?) (event m-1)',
    })
  })

  it('works on copies: mutating the event inside does not touch the host object', async () => {
    const event = track('m-1')
    const t = await compile(
      `export function transformEvent(event) { event.properties.revenue = 0; delete event.userId; return event }`,
    )
    await t.run([event])
    expect(event).toEqual(track('m-1'))
  })

  it('replacing built-ins only changes what the transform itself sees', async () => {
    const result = await runOne(`JSON.stringify = () => 'forged'
    Array.prototype.join = () => 'forged'
    export function transformEvent(event) { return { ...event, ok: true } }`)
    expect(summarize(result)).toEqual([{ ...track('m-1'), ok: true }])
  })
})

describe('denial of service', () => {
  it('stops a catastrophic regex at the CPU limit', async () => {
    const result = await runOne(`export function transformEvent(event) {
      return /^(a+)+$/.test('a'.repeat(40) + 'b') ? event : null
    }`)
    expect(result).toMatchObject({ ok: false, error: { code: 'PB_SANDBOX_TIMEOUT' } })
  })

  it('turns a string that grows past V8 limits into a per-event error', async () => {
    const result = await runOne(`export function transformEvent(event) {
      let s = 'x'; for (;;) s += s
    }`)
    expect(result).toMatchObject({ ok: false })
  })

  it('caps a huge log line instead of copying it out', async () => {
    const t = await compile(
      `export function transformEvent(event) { log('x'.repeat(5_000_000)); return event }`,
    )
    const { results, logs } = await t.run([track('m-1')])
    expect(results[0]!.ok).toBe(true)
    expect(logs.reduce((n, l) => n + l.message.length, 0)).toBeLessThan(70_000)
  })
})

describe('throwing non-Error values fails only that event', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['a string', `throw 'plain text'`, /threw a string: plain text \(event m-1\)$/],
    ['a number', 'throw 42', /threw a non-Error value: 42 \(event m-1\)$/],
    ['null', 'throw null', /threw a non-Error value: null \(event m-1\)$/],
    ['undefined', 'throw undefined', /threw a non-Error value: undefined \(event m-1\)$/],
    ['an object', "throw { code: 'E_FAIL' }", /threw a non-Error value: \{"code":"E_FAIL"\} \(event m-1\)$/],
    ['a symbol', "throw Symbol('s')", /threw a non-Error value: a symbol \(event m-1\)$/],
    [
      'a proxy that throws on every trap',
      "throw new Proxy({}, { get() { throw new Error('trap') }, getPrototypeOf() { throw new Error('trap') }, ownKeys() { throw new Error('trap') } })",
      /threw a value: that cannot be described \(event m-1\)$/,
    ],
    [
      'an error whose message getter throws',
      "const e = new Error('x'); Object.defineProperty(e, 'message', { get() { throw 1 } }); throw e",
      /\(event m-1\)$/,
    ],
  ]
  for (const [label, statement, message] of cases) {
    it(`throws ${label}`, async () => {
      const t = await compile(`export function transformEvent(event) {
        if (event.messageId === 'm-1') { ${statement} }
        return event
      }`)
      const { results } = await t.run([track('m-1'), track('m-2')])
      expect(results[0]).toMatchObject({
        ok: false,
        error: { code: 'PB_TRANSFORM_FAILED', message: expect.stringMatching(message) },
      })
      expect(results[1]).toEqual({ ok: true, events: [track('m-2')] })
    })
  }
})

describe('floating promises', () => {
  it('goes on when a promise nobody awaits rejects, and logs a warning', async () => {
    const t = await compile(`export function transformEvent(event) {
      Promise.reject(new Error('nobody listens'))
      return event
    }`)
    const { results, logs } = await t.run([track('m-1'), track('m-2')])
    expect(results).toEqual([
      { ok: true, events: [track('m-1')] },
      { ok: true, events: [track('m-2')] },
    ])
    expect(logs).toEqual([
      { level: 'warn', message: 'unhandled promise rejection (the batch went on): Error: nobody listens' },
    ])
  })

  it('goes on in async transforms too', async () => {
    const t = await compile(`export async function transformEvent(event) {
      await null
      Promise.reject('late')
      return event
    }`)
    const { results, logs } = await t.run([track('m-1')])
    expect(results).toEqual([{ ok: true, events: [track('m-1')] }])
    expect(logs).toEqual([
      { level: 'warn', message: 'unhandled promise rejection (the batch went on): late' },
    ])
  })
})

describe('isolation between transforms', () => {
  it('does not share globals or prototypes between two transforms in one sandbox', async () => {
    const a = await compile(`globalThis.secret = 'from a'; Object.prototype.leak = 'a'
      export function transformEvent(event) { return event }`)
    const b = await compile(`export function transformEvent(event) {
      return { ...event, secret: typeof globalThis.secret, leak: typeof ({}).leak }
    }`)
    await a.run([track('m-1')])
    expect(summarize((await b.run([track('m-2')])).results[0]!)).toEqual([
      { ...track('m-2'), secret: 'undefined', leak: 'undefined' },
    ])
  })
})
