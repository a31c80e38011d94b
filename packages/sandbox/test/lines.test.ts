import { describe, expect, it } from 'vitest'
import { sandboxFor, summarize } from './_helpers.ts'

/** A log source's event for one line, as @patchbay/source-log makes it. */
const lineEvent = (message: unknown, line: number) => ({
  type: 'track',
  event: 'log_line',
  anonymousId: 'web-01',
  messageId: `l-${line}`,
  originalTimestamp: '2026-11-22T10:00:00.000Z',
  properties: { message, file: 'access.log', line },
  context: { library: { name: '@patchbay/source-log', version: '0.1.0' } },
})

const PARSE = `import { parseNginxLog } from '@patchbay/sandbox/log'
export function transformLine(line, metadata) {
  const r = parseNginxLog(line, 'combined')
  if (!r.ok) throw new Error('not nginx: ' + line.slice(0, 10))
  if (r.value.method !== 'POST') return null
  return { event: 'Order Completed', properties: { path: r.value.path, status: r.value.status, source: metadata(line).sourceId } }
}`

const GET = '203.0.113.7 - - [22/Nov/2026:10:00:00 +0000] "GET /index.html HTTP/1.1" 200 512 "-" "curl/8.0"'
const POST = '203.0.113.7 - - [22/Nov/2026:10:00:01 +0000] "POST /checkout HTTP/1.1" 201 64 "-" "curl/8.0"'

describe('transformLine', () => {
  it('builds events from raw lines inside the sandbox, laid over each line event; null drops', async () => {
    const sandbox = sandboxFor()
    try {
      const t = await sandbox.compile(PARSE, { filename: 'parse.js' })
      expect(t.kind).toBe('transformLine')
      const events = [lineEvent(GET, 1), lineEvent(POST, 2), lineEvent(GET, 3)]
      const { results } = await t.run(events, { sourceId: 'logs' })
      expect(results.map(summarize)).toEqual([
        [],
        [
          {
            type: 'track',
            event: 'Order Completed',
            anonymousId: 'web-01',
            messageId: 'l-2',
            originalTimestamp: '2026-11-22T10:00:00.000Z',
            properties: { path: '/checkout', status: 201, source: 'logs' },
            context: { library: { name: '@patchbay/source-log', version: '0.1.0' } },
          },
        ],
        [],
      ])
    } finally {
      await sandbox.dispose()
    }
  }, 60_000)

  it('hands user code the line text only, nothing else of the event', async () => {
    const sandbox = sandboxFor()
    try {
      const t = await sandbox.compile(
        `export function transformLine(line, metadata) { return { properties: { type: typeof line, line, meta: metadata(line) } } }`,
        { filename: 'what.js' },
      )
      const { results } = await t.run([lineEvent('hello', 1)], { sourceId: 's', destinationId: 'd' })
      expect(results[0]).toMatchObject({
        ok: true,
        events: [
          { properties: { type: 'string', line: 'hello', meta: { sourceId: 's', destinationId: 'd' } } },
        ],
      })
    } finally {
      await sandbox.dispose()
    }
  }, 60_000)

  it('hands every line back exactly, empty lines and lines holding a newline included', async () => {
    const sandbox = sandboxFor()
    try {
      const t = await sandbox.compile(
        `export function transformLine(line) { return { properties: { line } } }`,
        {
          filename: 'echo.js',
        },
      )
      for (const texts of [['a', '', 'b', ''], ['x\ny', 'z', ''], ['']]) {
        const { results } = await t.run(
          texts.map((text, i) => lineEvent(text, i + 1)),
          {},
        )
        expect(
          results.map((r) => (r.ok ? (r.events[0] as { properties: { line: string } }).properties.line : r)),
        ).toEqual(texts)
      }
    } finally {
      await sandbox.dispose()
    }
  }, 60_000)

  it('fails alone an event with no line, and a line whose code throws, naming the event', async () => {
    const sandbox = sandboxFor()
    try {
      const t = await sandbox.compile(PARSE, { filename: 'parse.js' })
      const events = [
        lineEvent(POST, 1),
        { type: 'track', event: 'x', messageId: 'no-line', properties: { message: 42 } },
        lineEvent('garbage line', 3),
        lineEvent(POST, 4),
      ]
      const { results } = await t.run(events, {})
      expect(results.map((r) => r.ok)).toEqual([true, false, false, true])
      expect(summarize(results[1]!)).toEqual({
        code: 'PB_TRANSFORM_FAILED',
        message:
          'parse.js: transformLine takes log lines, and this event has no string properties.message (event no-line)',
      })
      expect(summarize(results[2]!)).toMatchObject({ code: 'PB_TRANSFORM_FAILED' })
      expect((summarize(results[2]!) as { message: string }).message).toMatch(
        /^parse\.js:4:\d+: transformLine threw Error: not nginx: garbage li \(event l-3\)$/,
      )
    } finally {
      await sandbox.dispose()
    }
  }, 60_000)

  it('refuses a module that exports transformLine next to another entry', async () => {
    const sandbox = sandboxFor()
    try {
      await expect(
        sandbox.compile(
          `export function transformLine(l) { return null }\nexport function transformEvent(e) { return e }`,
          {
            filename: 'two.js',
          },
        ),
      ).rejects.toMatchObject({
        code: 'PB_SANDBOX_EXPORT',
        message: expect.stringContaining('exports both transformEvent and transformLine; export exactly one'),
      })
    } finally {
      await sandbox.dispose()
    }
  }, 60_000)

  it('spreads a big batch of lines over the workers and keeps input order', async () => {
    const sandbox = sandboxFor({ poolSize: 2 })
    try {
      const t = await sandbox.compile(
        `const me = Math.random()
        export function transformLine(line) { return { properties: { n: Number(line), worker: me } } }`,
        { filename: 'n.js' },
      )
      const events = Array.from({ length: 600 }, (_, i) => lineEvent(String(i), i + 1))
      const { results } = await t.run(events, {})
      const out = results.map((r) =>
        r.ok ? (r.events[0] as { properties: { n: number; worker: number } }) : undefined,
      )
      expect(out.map((e) => e?.properties.n)).toEqual(events.map((_, i) => i))
      expect(new Set(out.map((e) => e?.properties.worker)).size).toBe(2)
    } finally {
      await sandbox.dispose()
    }
  }, 60_000)
})
