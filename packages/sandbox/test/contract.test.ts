import { isPatchbayError } from '@patchbay/core'
import { afterAll, describe, expect, it } from 'vitest'
import { sandboxFor, summarize, track } from './_helpers.ts'

const sandbox = sandboxFor()
afterAll(() => sandbox.dispose())

const compile = (code: string, filename = 'transform.js') =>
  sandbox.compile(code, { filename, step: 'transformations.t' })

describe('transformEvent', () => {
  it('returns the event, drops on null or undefined, fans out on an array', async () => {
    const t = await compile(`export function transformEvent(event) {
      if (event.event === 'Drop null') return null
      if (event.event === 'Drop undefined') return undefined
      if (event.event === 'Fan') return [event, { ...event, messageId: event.messageId + '-copy' }]
      return { ...event, enriched: true }
    }`)
    expect(t.kind).toBe('transformEvent')
    const { results } = await t.run([
      track('m-1'),
      track('m-2', { event: 'Drop null' }),
      track('m-3', { event: 'Drop undefined' }),
      track('m-4', { event: 'Fan' }),
    ])
    expect(results.map(summarize)).toEqual([
      [{ ...track('m-1'), enriched: true }],
      [],
      [],
      [track('m-4', { event: 'Fan' }), track('m-4-copy', { event: 'Fan' })],
    ])
  })

  it('fails only the event whose transform threw, with the message and the line:column in the user file', async () => {
    const t = await compile(
      [
        'export function transformEvent(event) {',
        "  if (event.messageId === 'm-2') {",
        "    throw new TypeError('no email on ' + event.messageId)",
        '  }',
        '  return event',
        '}',
      ].join('\n'),
      'transforms/strict.js',
    )
    const { results } = await t.run([track('m-1'), track('m-2'), track('m-3')])
    expect(results[0]).toEqual({ ok: true, events: [track('m-1')] })
    expect(results[2]).toEqual({ ok: true, events: [track('m-3')] })
    const failed = results[1]!
    if (failed.ok) throw new Error('expected m-2 to fail')
    expect(failed.error.code).toBe('PB_TRANSFORM_FAILED')
    expect(failed.error.message).toBe(
      'transforms/strict.js:3:11: transformEvent threw TypeError: no email on m-2 (event m-2)',
    )
    expect(failed.error.location).toMatchObject({
      file: 'transforms/strict.js',
      line: 3,
      column: 11,
      messageId: 'm-2',
      step: 'transformations.t',
    })
  })

  it('reports a non-object return value as an error naming the messageId', async () => {
    const t = await compile(`export function transformEvent(event) {
      return { 'm-1': 42, 'm-2': 'text', 'm-3': true, 'm-4': [event, 7] }[event.messageId]
    }`)
    const { results } = await t.run([track('m-1'), track('m-2'), track('m-3'), track('m-4')])
    expect(results.map(summarize)).toEqual([
      {
        code: 'PB_TRANSFORM_INVALID_OUTPUT',
        message:
          'transform.js: transformEvent returned a number; return an event object, an array of them to fan out, or null to drop (event m-1)',
      },
      expect.objectContaining({
        code: 'PB_TRANSFORM_INVALID_OUTPUT',
        message: expect.stringContaining('returned a string'),
      }),
      expect.objectContaining({ message: expect.stringContaining('returned a boolean') }),
      expect.objectContaining({ message: expect.stringContaining('item 1 is a number') }),
    ])
  })

  it('awaits async transforms, each event on its own', async () => {
    const t = await compile(`export async function transformEvent(event) {
      await null
      if (event.messageId === 'm-2') throw new Error('async failure')
      return { ...event, later: true }
    }`)
    const { results } = await t.run([track('m-1'), track('m-2')])
    expect(results.map(summarize)).toEqual([
      [{ ...track('m-1'), later: true }],
      {
        code: 'PB_TRANSFORM_FAILED',
        message: expect.stringMatching(
          /^transform\.js:3:\d+: transformEvent threw Error: async failure \(event m-2\)$/,
        ),
      },
    ])
  })

  it('passes metadata(event) with the source and destination ids and the messageId', async () => {
    const t = await compile(`export function transformEvent(event, metadata) {
      return { ...event, meta: metadata(event) }
    }`)
    const { results } = await t.run([track('m-1')], { sourceId: 'web', destinationId: 'crm' })
    expect(summarize(results[0]!)).toEqual([
      { ...track('m-1'), meta: { sourceId: 'web', destinationId: 'crm', messageId: 'm-1' } },
    ])
  })

  it('serializes outputs as JSON: dates become strings, undefined fields vanish', async () => {
    const t = await compile(`export function transformEvent(event) {
      return { ...event, when: new Date(Date.UTC(2024, 0, 2)), gone: undefined, nan: NaN }
    }`)
    const { results } = await t.run([track('m-1')])
    expect(summarize(results[0]!)).toEqual([{ ...track('m-1'), when: '2024-01-02T00:00:00.000Z', nan: null }])
  })

  it('keeps module state between batches of the same transform', async () => {
    const t = await compile(`let seen = 0
    export function transformEvent(event) { seen++; return { ...event, seen } }`)
    await t.run([track('m-1')])
    const { results } = await t.run([track('m-2')])
    expect(summarize(results[0]!)).toEqual([{ ...track('m-2'), seen: 2 }])
  })

  it('returns no results for an empty batch', async () => {
    const t = await compile('export function transformEvent(e) { return e }')
    expect(await t.run([])).toEqual({ results: [], logs: [] })
  })
})

describe('transformBatch', () => {
  it('gets the whole batch and its outputs are matched back to inputs by messageId', async () => {
    const t = await compile(`export function transformBatch(events, metadata) {
      return events
        .filter((e) => e.event !== 'Drop')
        .flatMap((e) => e.event === 'Fan' ? [e, { ...e, extra: true }] : [{ ...e, source: metadata(e).sourceId }])
    }`)
    expect(t.kind).toBe('transformBatch')
    const { results } = await t.run(
      [track('m-1'), track('m-2', { event: 'Drop' }), track('m-3', { event: 'Fan' })],
      { sourceId: 'web' },
    )
    expect(results.map(summarize)).toEqual([
      [{ ...track('m-1'), source: 'web' }],
      [],
      [track('m-3', { event: 'Fan' }), { ...track('m-3', { event: 'Fan' }), extra: true }],
    ])
  })

  it('fails every event of the batch when transformBatch throws', async () => {
    const t = await compile(
      `export async function transformBatch(events) { throw new RangeError('batch broke') }`,
    )
    const { results } = await t.run([track('m-1'), track('m-2')])
    expect(results.map(summarize)).toEqual([
      {
        code: 'PB_TRANSFORM_FAILED',
        message: 'transform.js:1:54: transformBatch threw RangeError: batch broke',
      },
      {
        code: 'PB_TRANSFORM_FAILED',
        message: 'transform.js:1:54: transformBatch threw RangeError: batch broke',
      },
    ])
    // Whichever event caused it: a host (the gateway) bisects the batch to find it.
    expect(results.map((r) => !r.ok && r.error.poisonsBatch)).toEqual([true, true])
  })

  it('fails only the event of a transformEvent that threw, without poisoning its batch', async () => {
    const t = await compile(
      `export function transformEvent(e) { if (e.messageId === 'm-2') throw new Error('no'); return e }`,
    )
    const { results } = await t.run([track('m-1'), track('m-2')])
    expect(results[0]!.ok).toBe(true)
    const failed = results[1]!
    if (failed.ok) throw new Error('expected m-2 to fail')
    expect([failed.error.code, failed.error.poisonsBatch]).toEqual(['PB_TRANSFORM_FAILED', false])
  })

  it('refuses a return value that is not an array', async () => {
    const t = await compile('export function transformBatch(events) { return events[0] }')
    const { results } = await t.run([track('m-1')])
    expect(summarize(results[0]!)).toEqual({
      code: 'PB_TRANSFORM_INVALID_OUTPUT',
      message: 'transform.js: transformBatch returned an object; it must return an array of events',
    })
  })
})

describe('logs', () => {
  it('captures log() and console.* per batch, with the event being transformed', async () => {
    const t = await compile(`export function transformEvent(event) {
      log('seen', event.messageId, { n: 1 })
      console.warn('careful')
      console.error(new Error('shown with its stack'))
      return event
    }`)
    const first = await t.run([track('m-1')])
    expect(first.logs).toEqual([
      { level: 'log', message: 'seen m-1 {"n":1}', messageId: 'm-1' },
      { level: 'warn', message: 'careful', messageId: 'm-1' },
      {
        level: 'error',
        message: expect.stringMatching(
          /^Error: shown with its stack\n\s+at transformEvent \(transform\.js:4:21\)/,
        ),
        messageId: 'm-1',
      },
    ])
    const second = await t.run([track('m-2')])
    expect(second.logs.map((l) => l.messageId)).toEqual(['m-2', 'm-2', 'm-2'])
  })

  it('keeps at most logLimitBytes characters per batch and says how many lines it dropped', async () => {
    // Each entry costs 64 characters and its messageId on top of its text: 2 × (10 + 64 + 3)
    // fit in 160, a third does not.
    const small = sandboxFor({ logLimitBytes: 160 })
    try {
      const t = await small.compile(
        `export function transformEvent(e) { for (let i = 0; i < 5; i++) log('line ' + i + ' ' + 'x'.repeat(3)); return e }`,
        { filename: 'chatty.js' },
      )
      const { logs, results } = await t.run([track('m-1')])
      expect(results[0]!.ok).toBe(true)
      expect(logs).toEqual([
        { level: 'log', message: 'line 0 xxx', messageId: 'm-1' },
        { level: 'log', message: 'line 1 xxx', messageId: 'm-1' },
        {
          level: 'warn',
          message:
            '3 more log line(s) dropped: the sandbox keeps 160 log characters (64 and the messageId per entry included) and 1000 entries per batch',
        },
      ])
    } finally {
      await small.dispose()
    }
  })
})

describe('TypeScript', () => {
  it('transpiles TypeScript and points errors at lines of the TypeScript source', async () => {
    const t = await compile(
      [
        'interface Order {',
        '  messageId: string',
        '  properties: { revenue?: number }',
        '}',
        '',
        'type Out = Order & { cents: number }',
        '',
        'export function transformEvent(event: Order): Out {',
        '  const revenue: number | undefined = event.properties.revenue',
        "  if (revenue === undefined) throw new Error('no revenue on ' + event.messageId)",
        '  return { ...event, cents: Math.round(revenue * 100) }',
        '}',
      ].join('\n'),
      'transforms/cents.ts',
    )
    const { results } = await t.run([track('m-1'), track('m-2', { properties: {} })])
    expect(summarize(results[0]!)).toEqual([{ ...track('m-1'), cents: 4250 }])
    expect(summarize(results[1]!)).toEqual({
      code: 'PB_TRANSFORM_FAILED',
      message: 'transforms/cents.ts:10:36: transformEvent threw Error: no revenue on m-2 (event m-2)',
    })
  })

  it('reports a TypeScript syntax error at its line and column, at compile time', async () => {
    const error = await compile(
      'export function transformEvent(event: {) {\n  return event\n}',
      'broken.ts',
    ).catch((e) => e)
    expect(isPatchbayError(error)).toBe(true)
    expect(error.code).toBe('PB_SANDBOX_COMPILE')
    expect(error.message).toMatch(/^broken\.ts:1:40: /)
    expect(error.location).toMatchObject({ file: 'broken.ts', line: 1, column: 40 })
  })

  it('allows type-only imports, which disappear when transpiled', async () => {
    const t = await compile(
      "import type { TransformEventFunction } from '@patchbay/sandbox'\nexport const transformEvent: TransformEventFunction = (e) => e",
      'typed.ts',
    )
    expect((await t.run([track('m-1')])).results[0]).toEqual({ ok: true, events: [track('m-1')] })
  })
})

describe('compile-time checks', () => {
  it('reports a JavaScript syntax error with file:line:column', async () => {
    const error = await compile(
      'export function transformEvent(event) {\n  return event +\n}',
      'broken.js',
    ).catch((e) => e)
    expect(error.code).toBe('PB_SANDBOX_COMPILE')
    expect(error.message).toBe("broken.js:3:1: SyntaxError: Unexpected token '}'")
    expect(error.location).toMatchObject({ file: 'broken.js', line: 3, column: 1 })
  })

  it('refuses imports other than the built-in libraries, naming the line', async () => {
    const error = await compile(
      "// reads files\nimport { readFileSync } from 'node:fs'\nexport function transformEvent(e) { return e }",
      'reader.js',
    ).catch((e) => e)
    expect(error.code).toBe('PB_SANDBOX_IMPORT')
    expect(error.message).toBe(
      'reader.js:2:1: cannot import "node:fs": transforms may import only @patchbay/sandbox/log and @patchbay/sandbox/hash',
    )
  })

  it('refuses a module without transformEvent or transformBatch, listing what it exports', async () => {
    const error = await compile('export function transform(e) { return e }\nexport const version = 1').catch(
      (e) => e,
    )
    expect(error.code).toBe('PB_SANDBOX_EXPORT')
    expect(error.message).toBe(
      'transform.js: the module must export a function named transformEvent, transformBatch or transformLine; it exports transform, version',
    )
  })

  it('refuses a module that exports both', async () => {
    const error = await compile(
      'export function transformEvent(e) { return e }\nexport function transformBatch(e) { return e }',
    ).catch((e) => e)
    expect(error.code).toBe('PB_SANDBOX_EXPORT')
    expect(error.message).toContain('exports both transformEvent and transformBatch')
  })

  it('refuses a transformEvent that is not a function', async () => {
    const error = await compile('export const transformEvent = 42').catch((e) => e)
    expect(error.code).toBe('PB_SANDBOX_EXPORT')
    expect(error.message).toBe('transform.js: transformEvent must be a function, but it is a number')
  })

  it('reports a throw at the top level of the module with its location', async () => {
    const error = await compile(
      'const config = null\nconst key = config.key\nexport function transformEvent(e) { return e }',
    ).catch((e) => e)
    expect(error.code).toBe('PB_SANDBOX_COMPILE')
    expect(error.message).toMatch(/^transform\.js:2:20: TypeError: Cannot read properties of null/)
  })
})

describe('built-in libraries', () => {
  it('imports sha256 from @patchbay/sandbox/hash, matching node:crypto', async () => {
    const { createHash } = await import('node:crypto')
    const t = await compile(`import { sha256 } from '@patchbay/sandbox/hash'
      export function transformEvent(event) { return { ...event, userId: sha256(event.userId) } }`)
    const { results } = await t.run([track('m-1')])
    expect(summarize(results[0]!)).toEqual([
      { ...track('m-1'), userId: createHash('sha256').update('user-1').digest('hex') },
    ])
  })
})
