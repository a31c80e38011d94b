import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countJsonValues } from '../../src/_json-values.ts'
import { createSandbox, SANDBOX_DEFAULTS, type Sandbox, type SandboxOptions } from '../../src/index.ts'
import { track } from '../_helpers.ts'
import { healthyNextBatch, watchHostHeartbeat } from './_watch.ts'

watchHostHeartbeat()
const sandboxes: Sandbox[] = []
/** The test server is on loopback: `egress.allow` lets the sandbox reach it at all. */
const open = (options: SandboxOptions) => {
  const s = createSandbox({ memoryLimitMb: 64, poolSize: 1, egress: { allow: ['127.0.0.1'] }, ...options })
  sandboxes.push(s)
  return s
}

let server: Server
let port: number
let inFlight = 0
let peak = 0
let received = 0
beforeAll(async () => {
  server = createServer((req, res) => {
    received++
    inFlight++
    peak = Math.max(peak, inFlight)
    res.on('close', () => inFlight--)
    if (req.url === '/hang') return // answers never: only an abort ends it
    if (req.url === '/big')
      return void setTimeout(() => res.writeHead(200).end(`"${'x'.repeat(100_000)}"`), 5)
    if (req.url === '/headers') return void res.writeHead(200).end(JSON.stringify(req.headers))
    setTimeout(() => res.writeHead(200).end('{"ok":true}'), 20)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  for (const s of sandboxes) await s.dispose()
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25))
  return check()
}

describe('fetch floods', () => {
  it('runs at most fetch.maxConcurrent requests of a batch at once and refuses past fetch.maxRequests', async () => {
    const t = await open({
      fetch: { allow: [`127.0.0.1:${port}`], maxConcurrent: 4, maxRequests: 50 },
    }).compile(
      `export async function transformEvent(e) {
        const all = []
        for (let i = 0; i < 1500; i++) all.push(fetch(e.context.url).then(() => 'ok', (err) => err.code || err.message))
        const out = await Promise.all(all)
        return { ...e, ok: out.filter((x) => x === 'ok').length, denied: out.filter((x) => x === 'PB_SANDBOX_FETCH_DENIED').length }
      }`,
      { filename: 'flood.js' },
    )
    peak = 0
    received = 0
    const { results } = await t.run([track('m-1', { context: { url: `http://127.0.0.1:${port}/x` } })])
    expect(results[0]).toMatchObject({ ok: true, events: [{ ok: 50, denied: 1450 }] })
    expect(received).toBe(50)
    expect(peak).toBeLessThanOrEqual(4)
  })

  it('aborts every request a batch started when the batch ends, awaited or not', async () => {
    const t = await open({ fetch: { allow: [`127.0.0.1:${port}`], maxConcurrent: 8 } }).compile(
      `export function transformEvent(e) {
        for (let i = 0; i < 8; i++) fetch(e.context.url).catch(() => {})
        return e
      }`,
      { filename: 'floating.js' },
    )
    received = 0
    const { results } = await t.run([track('m-1', { context: { url: `http://127.0.0.1:${port}/hang` } })])
    expect(results[0]!.ok).toBe(true)
    // The requests reach the server (or are cut before they do), and none is left open.
    expect(await until(() => inFlight === 0)).toBe(true)
  })

  it('caps the response bytes of a whole batch (fetch.maxBatchResponseBytes)', async () => {
    const t2 = await open({
      fetch: { allow: [`127.0.0.1:${port}`], maxBatchResponseBytes: 250_000, maxConcurrent: 1 },
    }).compile(
      `export async function transformEvent(e) {
        const out = []
        for (let i = 0; i < 4; i++) out.push(await fetchV2(e.context.url).then(() => 'ok', (err) => err.message))
        return { ...e, out }
      }`,
      { filename: 'bytes2.js' },
    )
    const second = await t2.run([track('m-1', { context: { url: `http://127.0.0.1:${port}/big` } })])
    const got = (second.results[0] as { events: Array<{ out: string[] }> }).events[0]!.out
    expect(got.slice(0, 2)).toEqual(['ok', 'ok'])
    expect(got[2]).toContain('the batch read more than 250000 response bytes')
  })

  it('matches ports: an allowed host is not reachable on another port', async () => {
    const t = await open({ fetch: { allow: ['127.0.0.1'] } }).compile(
      `export async function transformEvent(e) { return { ...e, r: await fetch(e.context.url).catch((err) => err.message) } }`,
      { filename: 'port.js' },
    )
    const { results } = await t.run([track('m-1', { context: { url: `http://127.0.0.1:${port}/x` } })])
    expect((results[0] as { events: Array<{ r: string }> }).events[0]!.r).toContain(
      `fetch to 127.0.0.1:${port} is denied: it is not in the sandbox fetch.allow list (127.0.0.1); an entry without a port allows only the default port`,
    )
  })

  it('refuses Host and hop-by-hop headers set by user code', async () => {
    const t = await open({ fetch: { allow: [`127.0.0.1:${port}`] } }).compile(
      `export async function transformEvent(e) {
        const out = []
        for (const h of ['Host', 'Connection', 'Transfer-Encoding', 'Proxy-Authorization', 'Upgrade'])
          out.push(await fetchV2(e.context.url, { headers: { [h]: 'evil' } }).then(() => 'sent', (err) => err.message))
        const ok = await fetchV2(e.context.url, { headers: { 'x-fine': 'yes' } })
        return { ...e, out, fine: ok.body['x-fine'] }
      }`,
      { filename: 'headers.js' },
    )
    const { results } = await t.run([track('m-1', { context: { url: `http://127.0.0.1:${port}/headers` } })])
    expect(results[0]).toMatchObject({
      ok: true,
      events: [
        {
          fine: 'yes',
          out: [
            'fetch: the host header cannot be set by a transform',
            'fetch: the connection header cannot be set by a transform',
            'fetch: the transfer-encoding header cannot be set by a transform',
            'fetch: the proxy-authorization header cannot be set by a transform',
            'fetch: the upgrade header cannot be set by a transform',
          ],
        },
      ],
    })
  })
})

describe('log floods', () => {
  it('keeps at most maxLogEntries entries, and empty entries cost too', async () => {
    const t = await open({ maxLogEntries: 100 }).compile(
      'export function transformEvent(e) { for (let i = 0; i < 1_500_000; i++) log(); return e }',
      { filename: 'logs.js' },
    )
    const { results, logs } = await t.run([track('m-1')])
    expect(results[0]!.ok).toBe(true)
    expect(logs).toHaveLength(101)
    expect(logs.at(-1)).toEqual({
      level: 'warn',
      message:
        '1499900 more log line(s) dropped: the sandbox keeps 65536 log characters (64 and the messageId per entry included) and 100 entries per batch',
    })
  })

  it('a flood of empty entries is bounded by the per-entry cost under logLimitBytes', async () => {
    // Each empty entry costs 64 plus its messageId ('m-1'): ten of them fit.
    const t = await open({ logLimitBytes: 67 * 10 }).compile(
      'export function transformEvent(e) { for (let i = 0; i < 1000; i++) log(); return e }',
      { filename: 'logs2.js' },
    )
    const { logs } = await t.run([track('m-1')])
    expect(logs).toHaveLength(11)
  })

  it("counts each entry's messageId against logLimitBytes (a sender's 50 KB ids cannot multiply the logs)", async () => {
    const t = await open({}).compile(
      'export function transformEvent(e) { for (let i = 0; i < 10; i++) log(); return e }',
      { filename: 'long-ids.js' },
    )
    const events = Array.from({ length: 20 }, (_, i) => track(`${i}-${'i'.repeat(50_000)}`))
    const { results, logs } = await t.run(events)
    expect(results.every((r) => r.ok)).toBe(true)
    const chars = logs.reduce((n, l) => n + l.message.length + (l.messageId?.length ?? 0), 0)
    expect(chars).toBeLessThanOrEqual(65_536)
    expect(logs.at(-1)!.message).toMatch(/^\d+ more log line\(s\) dropped/)
  })

  it('cuts the reason of an unhandled rejection to 2000 characters', async () => {
    const t = await open({}).compile(
      "export function transformEvent(e) { Promise.reject('x'.repeat(5_000_000)); return e }",
      { filename: 'reason.js' },
    )
    const { results, logs } = await t.run([track('m-1')])
    expect(results[0]!.ok).toBe(true)
    expect(logs).toHaveLength(1)
    expect(logs[0]!.message).toBe(
      `unhandled promise rejection (the batch went on): ${'x'.repeat(2000)}… (5000000 characters)`,
    )
  })
})

describe('output floods', () => {
  it('caps fan-out per input (maxFanOut)', async () => {
    const t = await open({ maxFanOut: 10 }).compile(
      'export function transformEvent(e) { return Array.from({ length: e.n }, (_, i) => ({ ...e, i })) }',
      { filename: 'fan.js' },
    )
    const { results } = await t.run([track('m-1', { n: 10 }), track('m-2', { n: 11 })])
    expect(results[0]).toMatchObject({ ok: true })
    expect((results[0] as { events: unknown[] }).events).toHaveLength(10)
    expect(results[1]).toMatchObject({
      ok: false,
      error: {
        code: 'PB_SANDBOX_OUTPUT_LIMIT',
        message: expect.stringContaining(
          'transformEvent returned 11 events for one input, over the fan-out limit of 10',
        ),
      },
    })
  })

  it('caps the output of a whole batch (batchOutputLimitBytes), failing the batch', async () => {
    const t = await open({ batchOutputLimitBytes: 100_000, outputLimitBytes: 50_000 }).compile(
      "export function transformEvent(e) { return { ...e, pad: 'x'.repeat(4000) } }",
      { filename: 'big-batch.js' },
    )
    const { results } = await t.run(Array.from({ length: 40 }, (_, i) => track(`m-${i}`)))
    expect(results.every((r) => !r.ok && r.error.code === 'PB_SANDBOX_OUTPUT_LIMIT')).toBe(true)
    expect(results[0]).toMatchObject({
      error: {
        message: expect.stringContaining('over the batch limit of 100000 (sandbox batchOutputLimitBytes)'),
      },
    })
    const small = await t.run([track('m-1')])
    expect(small.results[0]!.ok).toBe(true)
  })

  it('fails a batch whose output holds more than batchOutputLimitValues objects, arrays and strings, before the host decodes it', async () => {
    // Output shaped to be expensive for the host within every byte budget: 16 events of 330,000
    // empty arrays, 5.3 million values in 16 MB of JSON, whose decoding stalled the host's event
    // loop for 0.6 to 2 s (16 MB of ordinary events holds about 1.6 million and takes 50 ms).
    const sandbox = open({ memoryLimitMb: 128 })
    const next = healthyNextBatch(sandbox)
    const t = await sandbox.compile(
      `let list
      export function transformEvent(e) {
        list ??= Array.from({ length: 330000 }, () => [])
        return { ...e, properties: { list } }
      }`,
      // Time is not the budget here: a loaded machine must not turn this into a timeout.
      { filename: 'values.js', cpuTimeMs: 20_000, wallTimeMs: 30_000 },
    )
    const { results } = await t.run(Array.from({ length: 16 }, (_, i) => track(`m-${i}`)))
    expect(results.every((r) => !r.ok && r.error.code === 'PB_SANDBOX_OUTPUT_LIMIT')).toBe(true)
    expect(results[0]).toMatchObject({
      error: {
        message: expect.stringContaining(
          'the output of the whole batch holds more than 500000 objects, arrays and strings (keys included), over the batch limit (sandbox batchOutputLimitValues)',
        ),
      },
    })
    await next()
  })

  it('passes an event that brings its answer to exactly batchOutputLimitValues unchanged, and fails one more value', async () => {
    // 500,000 empty arrays are 1.5 MB of JSON: over the default outputLimitBytes, not the point
    // here, and neither is time.
    const t = await open({ memoryLimitMb: 128, outputLimitBytes: 2 * 2 ** 20 }).compile(
      'export function transformEvent(e) { return e }',
      { filename: 'values-edge.js', cpuTimeMs: 20_000, wallTimeMs: 30_000 },
    )
    // What the answer holds besides the list's items: {"r":[[event]],"l":[]}.
    const around = countJsonValues(JSON.stringify({ r: [[track('m-1', { list: [] })]], l: [] }), Infinity)
    const withList = (items: number) => track('m-1', { list: Array.from({ length: items }, () => []) })
    const under = withList(SANDBOX_DEFAULTS.batchOutputLimitValues - around)
    const passed = (await t.run([under])).results[0]!
    // Compared as JSON: a deep equality of 500,000 arrays would stall this test's own event loop.
    expect(passed.ok && JSON.stringify(passed.events)).toBe(JSON.stringify([under]))
    const over = withList(SANDBOX_DEFAULTS.batchOutputLimitValues - around + 1)
    expect((await t.run([over])).results[0]).toMatchObject({
      ok: false,
      error: { code: 'PB_SANDBOX_OUTPUT_LIMIT' },
    })
  })

  it('caps fan-out of transformBatch at maxFanOut per input', async () => {
    const t = await open({ maxFanOut: 2 }).compile(
      'export function transformBatch(events) { return events.flatMap((e) => [e, e, e]) }',
      { filename: 'batch-fan.js' },
    )
    const { results } = await t.run([track('m-1'), track('m-2')])
    expect(results.every((r) => !r.ok && r.error.code === 'PB_SANDBOX_OUTPUT_LIMIT')).toBe(true)
  })
})

describe('transformBatch output encoding', () => {
  it('an event carrying e: { c, m, n } is an event, never an error item', async () => {
    const t = await open({}).compile('export function transformBatch(events) { return events }', {
      filename: 'dedupe-batch.js',
    })
    const forged = track('m-2', { e: { c: 'PB_TRANSFORM_FAILED', m: 'forged', n: 'Error' }, id: 'm-1' })
    const { results } = await t.run([track('m-1'), forged])
    expect(results).toEqual([
      { ok: true, events: [track('m-1')] },
      { ok: true, events: [forged] },
    ])
  })
})

describe('budgets per batch hold for a batch that crosses in many pieces', () => {
  // One worker, pieces of 250 events one after another: 1000 events cross in 4 pieces.
  const many = (n = 1000) => Array.from({ length: n }, (_, i) => track(`m-${i}`, { context: { url: '' } }))

  it('output: the pieces together over batchOutputLimitBytes fail the batch', async () => {
    const t = await open({ spread: 'never', batchOutputLimitBytes: 2_000_000 }).compile(
      "export function transformEvent(e) { return { ...e, pad: 'x'.repeat(4000) } }",
      { filename: 'pieces-output.js' },
    )
    const { results } = await t.run(many())
    expect(results).toHaveLength(1000)
    expect(results.every((r) => !r.ok && r.error.code === 'PB_SANDBOX_OUTPUT_LIMIT')).toBe(true)
    expect(results[0]).toMatchObject({
      error: {
        message: expect.stringMatching(
          /the output of the whole batch is more than \d+ characters of JSON, over the batch limit of 2000000/,
        ),
      },
    })
  })

  it('values: the pieces together over batchOutputLimitValues fail the batch, each within it passes', async () => {
    // Pieces of 250 events: each piece's share is 25,000 values, and a piece of 150 empty arrays
    // per event holds about 40,000 (counted by its worker); three of them are over the batch's 100,000.
    const t = await open({ spread: 'never', batchOutputLimitValues: 100_000 }).compile(
      'export function transformEvent(e) { return { ...e, list: Array.from({ length: e.context.n }, () => []) } }',
      { filename: 'pieces-values.js' },
    )
    const withList = (n: number) => many().map((e) => ({ ...e, context: { n } }))
    const over = await t.run(withList(150))
    expect(over.results).toHaveLength(1000)
    expect(over.results.every((r) => !r.ok && r.error.code === 'PB_SANDBOX_OUTPUT_LIMIT')).toBe(true)
    expect(over.results[0]).toMatchObject({
      error: { message: expect.stringContaining('(sandbox batchOutputLimitValues)') },
    })
    // About 18,000 values a piece, 72,000 in all.
    const within = await t.run(withList(60))
    expect(within.results.every((r) => r.ok)).toBe(true)
  })

  it('a failed batch sends none of its pieces still waiting for a worker', async () => {
    // One worker holds two requests: pieces 1 and 2 go at once, 3 to 8 wait (the next one is
    // sent as piece 1's answer comes in, before the host has read it). Piece 1 is over the
    // batch's output limit by itself; each piece tells the server it ran.
    const t = await open({
      spread: 'never',
      batchOutputLimitBytes: 500_000,
      fetch: { allow: [`127.0.0.1:${port}`] },
    }).compile(
      `export async function transformEvent(e) {
        const n = Number(e.messageId.slice(2))
        if (n % 250 === 0) await fetch('http://127.0.0.1:${port}/piece')
        return n < 250 ? { ...e, pad: 'x'.repeat(4000) } : e
      }`,
      { filename: 'pieces-skip.js' },
    )
    received = 0
    const { results } = await t.run(many(2000))
    expect(results).toHaveLength(2000)
    expect(results.every((r) => !r.ok && r.error.code === 'PB_SANDBOX_OUTPUT_LIMIT')).toBe(true)
    expect(received).toBeLessThanOrEqual(3)
  })

  it('logs: at most maxLogEntries for the whole batch, with one warning for the rest', async () => {
    const t = await open({ spread: 'never', maxLogEntries: 100 }).compile(
      'export function transformEvent(e) { for (let i = 0; i < 5; i++) log(e.messageId, i); return e }',
      { filename: 'pieces-logs.js' },
    )
    const { results, logs } = await t.run(many())
    expect(results.every((r) => r.ok)).toBe(true)
    expect(logs).toHaveLength(101)
    expect(logs.at(-1)!.message).toMatch(/^\d+ more log line\(s\) dropped: .* 100 entries per batch$/)
  })

  it('fetch: the pieces share fetch.maxRequests by their events', async () => {
    const t = await open({
      spread: 'never',
      fetch: { allow: [`127.0.0.1:${port}`], maxRequests: 40 },
    }).compile(
      `export async function transformEvent(e) {
        const r = await fetch('http://127.0.0.1:${port}/x').then(() => 'ok', (err) => err.code)
        return { ...e, r }
      }`,
      { filename: 'pieces-fetch.js' },
    )
    received = 0
    const { results } = await t.run(many())
    const answers = results.map((r) => (r.ok ? (r.events[0] as { r: string }).r : r.error.code))
    expect(answers.filter((a) => a === 'ok')).toHaveLength(40)
    expect(received).toBe(40)
  })

  it('wall clock: a piece that waited behind the others gets only the time the batch has left', async () => {
    const t = await open({ spread: 'never', wallTimeMs: 1500 }).compile(
      // Each piece of 250 keeps its worker busy for 600 ms: 4 pieces in a row need 2.4 s.
      `export function transformEvent(e) {
        if (Number(e.messageId.slice(2)) % 250 === 0) {
          const start = Date.now()
          while (Date.now() - start < 600) {}
        }
        return e
      }`,
      { filename: 'pieces-wall.js' },
    )
    const { results } = await t.run(many())
    expect(results.every((r) => !r.ok && r.error.code === 'PB_SANDBOX_TIMEOUT')).toBe(true)
  })
})

describe('thrown values with huge names', () => {
  it("cuts an error's name, so every event's error stays small", async () => {
    const t = await open({}).compile(
      "export function transformBatch(events) { const e = new Error('boom'); e.name = 'N'.repeat(5_000_000); throw e }",
      { filename: 'big-name.js' },
    )
    const { results } = await t.run([track('m-1'), track('m-2')])
    expect(results.every((r) => !r.ok && r.error.code === 'PB_TRANSFORM_FAILED')).toBe(true)
    const message = (results[0] as { error: Error }).error.message
    expect(message.length).toBeLessThan(3_000)
    expect(message).toContain(`threw ${'N'.repeat(200)}…: boom`)
  })
})
