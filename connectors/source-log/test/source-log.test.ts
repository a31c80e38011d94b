import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { compileConfig, isPatchbayError } from '@patchbay/core'
import { validateEvent } from '@patchbay/protocol'
import { describe, expect, it } from 'vitest'
import { createLogSource, LogSourceConfigSchema, readLogFile, readLogStream } from '../src/index.ts'

const NOW = Date.parse('2026-11-22T10:00:00.000Z')
const clock = { now: () => NOW }
const collect = async (batches: AsyncIterable<unknown[]>) => {
  const all: unknown[][] = []
  for await (const b of batches) all.push(b)
  return all
}
const lines = (events: unknown[]) =>
  events.map((e) => (e as { properties: { line: number; message: string } }).properties)

describe('readLogFile', () => {
  it('makes one log_line event per line with the message, file, line number and read time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-log-'))
    const file = join(dir, 'app.log')
    writeFileSync(file, 'first line\r\n\nsecond line\n   \nthird line\n')
    const [batch] = await collect(readLogFile(file, {}, clock))
    expect(batch).toEqual([
      {
        type: 'track',
        event: 'log_line',
        anonymousId: 'log-source',
        originalTimestamp: '2026-11-22T10:00:00.000Z',
        properties: { message: 'first line', file: 'app.log', line: 1 },
        context: { library: { name: '@patchbay/source-log', version: '0.0.0' } },
      },
      expect.objectContaining({ properties: { message: 'second line', file: 'app.log', line: 3 } }),
      expect.objectContaining({ properties: { message: 'third line', file: 'app.log', line: 5 } }),
    ])
    for (const event of batch!) expect(validateEvent(event).ok).toBe(true)
  })

  it('streams a large file in batches without reading it whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-log-'))
    const file = join(dir, 'big.log')
    writeFileSync(file, Array.from({ length: 2500 }, (_, i) => `line ${i + 1}`).join('\n'))
    const batches = await collect(readLogFile(file, { batchSize: 1000 }, clock))
    expect(batches.map((b) => b.length)).toEqual([1000, 1000, 500])
    expect(lines(batches[2]!).at(-1)).toEqual({ message: 'line 2500', file: 'big.log', line: 2500 })
  })

  it('keeps empty lines when skipEmpty is off, and names the event and id as configured', async () => {
    const stream = Readable.from(['a\n\nb\n'])
    const [batch] = await collect(
      readLogStream(
        stream,
        'stdin',
        { skipEmpty: false, eventName: 'nginx_access', anonymousId: 'web-01' },
        clock,
      ),
    )
    expect(lines(batch!).map((l) => l.message)).toEqual(['a', '', 'b'])
    expect(batch![0]).toMatchObject({
      event: 'nginx_access',
      anonymousId: 'web-01',
      properties: { file: 'stdin' },
    })
  })

  it('drops a UTF-8 byte order mark at the start of the file, so the first line parses like the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-log-'))
    const file = join(dir, 'bom.log')
    writeFileSync(
      file,
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('first\nsecond \uFEFF kept\n')]),
    )
    const [batch] = await collect(readLogFile(file, {}, clock))
    expect(lines(batch!).map((l) => l.message)).toEqual(['first', 'second \uFEFF kept'])
  })

  it('cuts very long lines at maxLineBytes, flagged truncated, without splitting a character', async () => {
    const stream = Readable.from([`${'é'.repeat(20)}\nshort\n`])
    const [batch] = await collect(readLogStream(stream, 'x.log', { maxLineBytes: 11 }, clock))
    expect(lines(batch!)).toEqual([
      { message: 'ééééé', file: 'x.log', line: 1, truncated: true },
      { message: 'short', file: 'x.log', line: 2 },
    ])
  })
})

describe('readLines', () => {
  it("yields each line's event before it reads the next line, so a host can number them", async () => {
    const config = compileConfig(LogSourceConfigSchema).parse({ batchSize: 1000 })
    const ctx = { config, origin: 'x.log', plugin: '@patchbay/source-log', logger: console } as never
    let read = 0
    async function* input() {
      for (const line of ['one', '', 'three']) {
        read++
        yield line
      }
    }
    const seen: Array<[number, number[]]> = []
    for await (const batch of createLogSource(clock).readLines!(input(), ctx))
      seen.push([read, lines(batch).map((l) => l.line)])
    expect(seen).toEqual([
      [1, [1]],
      [3, [3]],
    ])
  })
})

describe('parse (an HTTP body of lines)', () => {
  const config = compileConfig(LogSourceConfigSchema).parse({})
  const ctx = { config, plugin: '@patchbay/source-log', logger: console } as never
  const request = (body: unknown, query: Record<string, string> = {}) => ({
    method: 'POST',
    url: '/',
    headers: {},
    query,
    body,
  })

  it('makes an event per line, numbered, named by ?file=', async () => {
    const { events, response } = await createLogSource(clock).parse(
      request('a\r\nb\n\nc\n', { file: 'web-01/access.log' }),
      ctx,
    )
    expect(lines(events)).toEqual([
      { message: 'a', file: 'web-01/access.log', line: 1 },
      { message: 'b', file: 'web-01/access.log', line: 2 },
      { message: 'c', file: 'web-01/access.log', line: 4 },
    ])
    expect(response).toEqual({ status: 200, body: { ok: true, events: 3 } })
  })

  it('drops a byte order mark at the start of the body, as text or as raw bytes', async () => {
    const source = createLogSource(clock)
    const asText = await source.parse(request('\uFEFFfirst\nsecond\n'), ctx)
    expect(lines(asText.events).map((l) => l.message)).toEqual(['first', 'second'])
    const raw = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('first\n')])
    const asBytes = await source.parse({ ...request(undefined), rawBody: new Uint8Array(raw) }, ctx)
    expect(lines(asBytes.events).map((l) => l.message)).toEqual(['first'])
  })

  it('refuses a body that is not text, with a 400', async () => {
    try {
      await createLogSource(clock).parse(request({ not: 'text' }), ctx)
      expect.unreachable('parse should refuse a JSON body')
    } catch (error) {
      expect(isPatchbayError(error) && error.message).toBe(
        'the log source expects a text body of newline-separated lines',
      )
    }
  })
})
