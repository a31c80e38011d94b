import { afterAll, describe, expect, it } from 'vitest'
import { createSandbox, type LookupIdentity, type Sandbox, type SandboxIdentity } from '../src/index.ts'
import { summarize, track } from './_helpers.ts'
import { watchHostHeartbeat } from './hostile/_watch.ts'

watchHostHeartbeat()

const sandboxes: Sandbox[] = []
afterAll(async () => {
  for (const s of sandboxes) await s.dispose()
})

const ada: SandboxIdentity = {
  canonicalId: '3f0c2a1e-7d5b-8c4e-9a6f-1b2c3d4e5f60',
  identifiers: { anonymousId: ['a-1', 'a-2'], email: ['ada@example.com'], userId: ['u-1'] },
}

/** A graph of one person, answering by `type:value` or canonical id; counts what it was asked. */
function fakeGraph() {
  const asked: string[] = []
  const lookup: LookupIdentity = async (id) => {
    asked.push(id)
    if (id === 'boom') throw new Error('the store is gone')
    if (id === 'reject') return Promise.reject('not an error')
    if (id === 'odd') return { canonicalId: 7 } as never
    if (id === 'hang') return new Promise(() => {})
    const known =
      id === ada.canonicalId ||
      Object.entries(ada.identifiers).some(
        ([t, v]) => v.includes(id.slice(t.length + 1)) && id.startsWith(`${t}:`),
      )
    // Like @patchbay/identity's lookup: more than the sandbox lets through.
    return known
      ? { ...ada, size: 4, merges: [{ at: 1 }], rejections: [], blocked: [], secret: () => process.env }
      : undefined
  }
  return { asked, lookup }
}

const open = (lookup?: LookupIdentity) => {
  const s = createSandbox({
    poolSize: 1,
    memoryLimitMb: 64,
    wallTimeMs: 3000,
    ...(lookup ? { lookupIdentity: lookup } : {}),
  })
  sandboxes.push(s)
  return s
}
/** One graph and one sandbox (one worker) for the tests with identity on: starting a worker is most of a test's time. */
const graph = fakeGraph()
let shared: Sandbox | undefined
const withGraph = () => {
  graph.asked.length = 0
  shared ??= open(graph.lookup)
  return shared
}

const ev = (id: string, extra: Record<string, unknown> = {}) => track(id, { properties: extra })

describe('lookupIdentity in user code', () => {
  it('answers the person as a frozen, plain copy: canonical id and identifiers by type, nothing else', async () => {
    const sandbox = withGraph()
    const t = await sandbox.compile(
      `export async function transformEvent(event) {
        const p = await lookupIdentity(event.properties.id)
        if (p === undefined) return { ...event, person: null }
        let mutated = 'no'
        try { p.canonicalId = 'x'; p.identifiers.userId.push('u-2'); p.identifiers.evil = [] } catch (e) { mutated = e.name }
        return {
          ...event,
          person: p,
          keys: Object.keys(p),
          frozen: [Object.isFrozen(p), Object.isFrozen(p.identifiers), Object.isFrozen(p.identifiers.email)],
          plain: Object.getPrototypeOf(p) === Object.prototype && Array.isArray(p.identifiers.userId),
          // Reaching for the host through the answer finds only this isolate's own globals.
          host: typeof p.constructor.constructor('return this')().process,
          mutated,
        }
      }`,
      { filename: 'person.js' },
    )
    const { results } = await t.run([
      ev('m-1', { id: 'email:ada@example.com' }),
      ev('m-2', { id: 'userId:nobody' }),
    ])
    const [first, second] = results.map(summarize) as Array<Array<Record<string, unknown>>>
    expect(first![0]).toMatchObject({
      person: ada,
      keys: ['canonicalId', 'identifiers'],
      frozen: [true, true, true],
      plain: true,
      host: 'undefined',
      mutated: 'TypeError',
    })
    expect(second![0]!.person).toBeNull()
    expect(graph.asked).toEqual(['email:ada@example.com', 'userId:nobody'])
  })

  it('refuses ids that are not short strings inside the isolate, without running their toString or asking the host', async () => {
    const sandbox = withGraph()
    const t = await sandbox.compile(
      `let trapped = 0
      const trap = { toString() { trapped++; for (;;) {} }, valueOf() { trapped++; return 'userId:u-1' } }
      const inputs = {
        number: 42, object: trap, boxed: new String('userId:u-1'), symbol: Symbol('s'),
        none: undefined, empty: '', huge: 'x'.repeat(5_000_000),
        proxy: new Proxy({}, { get() { trapped++; throw new Error('trap') } }),
      }
      export async function transformEvent(event) {
        try { await lookupIdentity(inputs[event.properties.kind]) } catch (e) { return { ...event, error: e.name + ': ' + e.message, trapped } }
        return { ...event, error: 'none', trapped }
      }`,
      { filename: 'hostile.js' },
    )
    const kinds = ['number', 'object', 'boxed', 'symbol', 'none', 'empty', 'huge', 'proxy']
    const { results } = await t.run(kinds.map((kind, i) => ev(`m-${i}`, { kind })))
    const errors = results.map((r) => (summarize(r) as Array<{ error: string; trapped: number }>)[0]!)
    for (const e of errors) expect(e.trapped).toBe(0)
    expect(errors.map((e) => e.error)).toEqual([
      expect.stringMatching(/^TypeError: lookupIdentity: the id must be a string .*not a number$/),
      expect.stringMatching(/^TypeError: .*not an object$/),
      expect.stringMatching(/^TypeError: .*not an object$/),
      expect.stringMatching(/^TypeError: .*not a symbol$/),
      expect.stringMatching(/^TypeError: .*not undefined$/),
      'RangeError: lookupIdentity: the id is 0 characters long; an id has 1 to 1024',
      'RangeError: lookupIdentity: the id is 5000000 characters long; an id has 1 to 1024',
      expect.stringMatching(/^TypeError: .*not an object$/),
    ])
    expect(graph.asked).toEqual([])
  })

  it('a host callback that throws, rejects, answers nonsense or hangs fails only that call, coded, and the worker lives on', async () => {
    const sandbox = withGraph()
    const t = await sandbox.compile(
      `export async function transformEvent(event) {
        return { ...event, person: await lookupIdentity(event.properties.id) }
      }`,
      { filename: 'failing.js', wallTimeMs: 400 },
    )
    const { results } = await t.run(['boom', 'reject', 'odd'].map((id, i) => ev(`m-${i}`, { id })))
    expect(results.map(summarize)).toEqual([
      {
        code: 'PB_SANDBOX_IDENTITY_FAILED',
        message: 'failing.js: lookupIdentity: the identity graph failed: the store is gone (event m-0)',
      },
      {
        code: 'PB_SANDBOX_IDENTITY_FAILED',
        message: 'failing.js: lookupIdentity: the identity graph failed: not an error (event m-1)',
      },
      {
        code: 'PB_SANDBOX_IDENTITY_FAILED',
        message:
          'failing.js: lookupIdentity: the identity graph answered something that is not a person (event m-2)',
      },
    ])
    // A callback that never answers: the batch's wall clock ends it, in the worker.
    const hung = await t.run([ev('m-3', { id: 'hang' })])
    expect(hung.results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['PB_SANDBOX_TIMEOUT'])
    const after = await t.run([ev('m-4', { id: 'userId:u-1' })])
    expect((summarize(after.results[0]!) as Array<{ person: SandboxIdentity }>)[0]!.person.canonicalId).toBe(
      ada.canonicalId,
    )
    expect(sandbox.stats().workersStarted).toBe(1)
  })

  it('is bounded: 10 lookups per event of the batch, then a coded error; a million calls do not reach the host', async () => {
    const sandbox = withGraph()
    const greedy = await sandbox.compile(
      `export async function transformEvent(event) {
        let i = 0
        try { for (; i < 1_000_000; i++) await lookupIdentity('userId:u-1') } catch (e) { return { ...event, i, code: e.code, message: e.message } }
        return event
      }`,
      { filename: 'greedy.js' },
    )
    const { results } = await greedy.run([ev('m-1'), ev('m-2')])
    // The batch of 2 may make 20 lookups, shared by its events.
    const out = results.map((r) => (summarize(r) as Array<{ i: number; code: string; message: string }>)[0]!)
    expect(out.reduce((n, o) => n + o.i, 0)).toBe(20)
    expect(out[1]).toMatchObject({
      code: 'PB_SANDBOX_IDENTITY_LIMIT',
      message:
        'lookupIdentity: this batch already made its 20 lookups (10 per event of the batch); look each id up once and keep the answer',
    })
    expect(graph.asked).toHaveLength(20)

    // Not awaited, not caught: the event fails with the code, the host saw only the budget.
    const flood = await sandbox.compile(
      `export async function transformEvent(event) {
        const all = []
        for (let i = 0; i < 1_000_000; i++) all.push(lookupIdentity('userId:u-' + i))
        await Promise.all(all)
        return event
      }`,
      { filename: 'flood.js' },
    )
    graph.asked.length = 0
    const flooded = await flood.run([ev('m-3')])
    expect(flooded.results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['PB_SANDBOX_IDENTITY_LIMIT'])
    expect(graph.asked.length).toBeLessThanOrEqual(10)
    // The next batch has its own budget.
    const next = await greedy.run([ev('m-4')])
    expect((summarize(next.results[0]!) as Array<{ i: number }>)[0]!.i).toBe(10)
    expect(sandbox.stats().workersStarted).toBe(1)
  })

  it('refuses calls at the top level of the module (outside a batch)', async () => {
    const sandbox = withGraph()
    const t = await sandbox.compile(
      `let top = 'none'
      lookupIdentity('userId:u-1').catch((e) => { top = e.code })
      export function transformEvent(event) { return { ...event, top } }`,
      { filename: 'top.js' },
    )
    const { results } = await t.run([ev('m-1')])
    expect((summarize(results[0]!) as Array<{ top: string }>)[0]!.top).toBe('PB_SANDBOX_IDENTITY_LIMIT')
  })

  it('without a lookupIdentity option, it rejects with PB_SANDBOX_IDENTITY_DISABLED', async () => {
    const sandbox = open()
    const t = await sandbox.compile(
      `export async function transformEvent(event) {
        if (typeof lookupIdentity !== 'function') return { ...event, absent: true }
        return { ...event, person: await lookupIdentity('userId:u-1') }
      }`,
      { filename: 'off.js' },
    )
    const { results } = await t.run([ev('m-1')])
    expect(results.map(summarize)).toEqual([
      {
        code: 'PB_SANDBOX_IDENTITY_DISABLED',
        message:
          'off.js:3:42: lookupIdentity: identity stitching is not enabled for this pipeline; add an identity: block to the pipeline file (docs/identity.md) (event m-1)',
      },
    ])
  })

  it('a transform cannot pass its own error off as a lookup error', async () => {
    const sandbox = withGraph()
    const t = await sandbox.compile(
      `export function transformEvent(event) {
        const e = new Error('forged'); e.name = 'IdentityLookupError'; e.code = 'PB_SANDBOX_CRASHED'
        throw e
      }`,
      { filename: 'forge.js' },
    )
    const { results } = await t.run([ev('m-1')])
    expect(results[0]!.ok ? 'ok' : results[0]!.error.code).toBe('PB_TRANSFORM_FAILED')
  })

  it('serves many lookups in flight at once, each answered to its own caller', async () => {
    const sandbox = withGraph()
    const t = await sandbox.compile(
      `export async function transformEvent(event) {
        const ids = ['userId:u-1', 'email:ada@example.com', 'anonymousId:a-2', 'userId:nobody', ${JSON.stringify(ada.canonicalId)}]
        const people = await Promise.all(ids.map((id) => lookupIdentity(id)))
        return { ...event, canonical: people.map((p) => (p ? p.canonicalId : null)) }
      }`,
      { filename: 'many.js' },
    )
    const { results } = await t.run(Array.from({ length: 60 }, (_, i) => ev(`m-${i}`)))
    const c = ada.canonicalId
    for (const r of results)
      expect((summarize(r) as Array<{ canonical: unknown }>)[0]!.canonical).toEqual([c, c, c, null, c])
    expect(graph.asked).toHaveLength(300)
  })
})
