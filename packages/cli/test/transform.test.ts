// @long-pole 90: seconds in a CI run; the longest files start first (see vitest.config.ts).
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { fixtures, runCli } from './_cli.ts'

const repo = fileURLToPath(new URL('../../../', import.meta.url))
const examples = join(repo, 'docs/examples/transforms')

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-transform-'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

const events = [
  { type: 'track', event: 'Order Completed', messageId: 'm-1', userId: 'u-1', properties: { total: 10 } },
  { type: 'track', event: 'Heartbeat', messageId: 'm-2', userId: 'u-1' },
  { type: 'track', event: 'Order Completed', messageId: 'm-3', userId: 'u-2', properties: {} },
]
const jsonl = events.map((e) => JSON.stringify(e)).join('\n')

const ENRICH_TS = `interface Order { messageId: string; event: string; properties?: { total?: number } }

export function transformEvent(event: Order, metadata: (e: Order) => { sourceId?: string }) {
  if (event.event === 'Heartbeat') return null
  log('enriching', event.messageId)
  const total: number | undefined = event.properties?.total
  if (total === undefined) throw new Error('no total on ' + event.messageId)
  return { ...event, cents: total * 100, source: metadata(event).sourceId }
}
`

describe('patchbay transform', () => {
  it('prints output events on stdout, logs and per-event errors with source locations on stderr, and exits 1', async () => {
    const cwd = workspace({ 'enrich.ts': ENRICH_TS, 'events.jsonl': `${jsonl}\nnot json\n` })
    const r = await runCli(['transform', 'enrich.ts', '--input', 'events.jsonl', '--source-id', 'web'], {
      cwd,
    })
    expect(r.code).toBe(1)
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([{ ...events[0], cents: 1000, source: 'web' }])
    expect(r.stderr).toContain('input events.jsonl:4: not valid JSON, skipped')
    expect(r.stderr).toContain('log   [m-1] enriching m-1')
    expect(r.stderr).toContain(
      'error events.jsonl:3 PB_TRANSFORM_FAILED: enrich.ts:7:34: transformEvent threw Error: no total on m-3 (event m-3)',
    )
    expect(r.stderr).toContain('3 events in (+1 unreadable lines): 1 out, 1 dropped, 1 failed')
  })

  it('refuses event lines with a __proto__ or constructor.prototype key, naming file:line', async () => {
    const lines = [
      '{"type":"track","event":"x","userId":"u","messageId":"m-1","properties":{"__proto__":{"admin":true}}}',
      '{"type":"track","event":"x","userId":"u","messageId":"m-2","context":{"constructor":{"prototype":{}}}}',
    ]
    const cwd = workspace({ 'enrich.ts': ENRICH_TS, 'events.jsonl': `${lines.join('\n')}\n` })
    const r = await runCli(['transform', 'enrich.ts', '--input', 'events.jsonl', '--source-id', 'web'], {
      cwd,
    })
    expect(r.stderr).toContain(
      'input events.jsonl:1: refused, skipped (the line has a forbidden key at /properties/__proto__: refused because',
    )
    expect(r.stderr).toContain(
      'input events.jsonl:2: refused, skipped (the line has a forbidden key at /context/constructor/prototype',
    )
    expect(r.stdout.trim()).toBe('')
  })

  it('exits 0 when every event was transformed or dropped, and reads stdin with --input -', async () => {
    const cwd = workspace({
      'keep.js': 'export function transformEvent(e) { return e.event === "Heartbeat" ? null : e }',
    })
    const r = await runCli(['transform', 'keep.js', '--input', '-'], { cwd, stdin: jsonl })
    expect(r.code).toBe(0)
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).messageId),
    ).toEqual(['m-1', 'm-3'])
    expect(r.stderr).toContain('3 events in: 2 out, 1 dropped, 0 failed')
  })

  it('prints one JSON document with --json', async () => {
    const cwd = workspace({ 'enrich.ts': ENRICH_TS, 'events.jsonl': jsonl })
    const r = await runCli(['transform', 'enrich.ts', '--input', 'events.jsonl', '--json'], { cwd })
    expect(r.code).toBe(1)
    const doc = JSON.parse(r.stdout)
    expect(doc).toMatchObject({
      ok: false,
      file: 'enrich.ts',
      kind: 'transformEvent',
      summary: { in: 3, out: 1, dropped: 1, failed: 1, unreadable: 0 },
      results: [
        { line: 1, messageId: 'm-1', status: 'ok', events: [{ ...events[0], cents: 1000 }] },
        { line: 2, messageId: 'm-2', status: 'dropped', events: [] },
        {
          line: 3,
          messageId: 'm-3',
          status: 'failed',
          error: { code: 'PB_TRANSFORM_FAILED', file: 'enrich.ts', line: 7, column: 34, messageId: 'm-3' },
        },
      ],
      logs: [
        { level: 'log', message: 'enriching m-1', messageId: 'm-1' },
        { level: 'log', message: 'enriching m-3', messageId: 'm-3' },
      ],
    })
  })

  it('exits 2 with file:line:column when the transform does not compile, without a stack trace', async () => {
    const cwd = workspace({
      'broken.js': 'export function transformEvent(e) {\n  return e +\n}',
      'events.jsonl': jsonl,
    })
    const r = await runCli(['transform', 'broken.js', '--input', 'events.jsonl'], { cwd })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("error PB_SANDBOX_COMPILE: broken.js:3:1: SyntaxError: Unexpected token '}'")
    expect(r.stderr).not.toContain('    at ')
  })

  it('names an import that is not allowed', async () => {
    const cwd = workspace({
      'fs.js': "import fs from 'node:fs'\nexport const transformEvent = (e) => e",
      'events.jsonl': jsonl,
    })
    const r = await runCli(['transform', 'fs.js', '--input', 'events.jsonl'], { cwd })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('error PB_SANDBOX_IMPORT: fs.js:1:1: cannot import "node:fs"')
  })

  it('applies --timeout-ms and --limit-mb, failing the batch and naming the limit', async () => {
    const cwd = workspace({
      'loop.js': 'export function transformEvent(e) { while (true) {} }',
      'hog.js': 'export function transformEvent(e) { const a = []; for (;;) a.push(new Array(1e5).fill(1)) }',
      'events.jsonl': jsonl,
    })
    const loop = await runCli(['transform', 'loop.js', '--input', 'events.jsonl', '--timeout-ms', '100'], {
      cwd,
    })
    expect(loop.code).toBe(1)
    expect(loop.stderr).toContain(
      'error events.jsonl:1 PB_SANDBOX_TIMEOUT: loop.js: the transform ran for more than 100 ms without yielding',
    )
    const hog = await runCli(['transform', 'hog.js', '--input', 'events.jsonl', '--limit-mb', '16'], { cwd })
    expect(hog.code).toBe(1)
    expect(hog.stderr).toContain(
      'PB_SANDBOX_MEMORY_LIMIT: hog.js: the transform ran out of memory (isolate memory limit 16 MB)',
    )
  })

  it('refuses bad flags with exit 2', async () => {
    const cwd = workspace({ 'keep.js': 'export const transformEvent = (e) => e', 'events.jsonl': jsonl })
    const r = await runCli(['transform', 'keep.js', '--input', 'events.jsonl', '--batch-size', '0'], { cwd })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--batch-size must be a positive integer, got "0"')
    const missing = await runCli(['transform', 'nope.js', '--input', 'events.jsonl'], { cwd })
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('cannot read the transform file nope.js: ENOENT')
  })

  it('shows examples in --help', async () => {
    const r = await runCli(['transform', '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('patchbay transform enrich.ts --input events.jsonl')
  })
})

describe('the documented example transforms', () => {
  const run = (file: string) =>
    runCli(
      ['transform', join(examples, file), '--input', join(examples, 'events.jsonl'), '--source-id', 'web'],
      {
        cwd: repo,
      },
    )
  const outputs = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))

  it('filter.js drops heartbeats and bot traffic', async () => {
    const r = await run('filter.js')
    expect(r.code).toBe(0)
    expect(outputs(r.stdout).map((e) => e.messageId)).toEqual(['m-1', 'm-2', 'm-5', 'm-6', 'm-5'])
  })

  it('enrich.ts adds cents and the source', async () => {
    const r = await run('enrich.ts')
    expect(r.code).toBe(0)
    expect(outputs(r.stdout)[0]).toMatchObject({
      properties: { total_cents: 5990, is_large_order: true },
      context: { pipeline: { source: 'web' } },
    })
  })

  it('rename.js maps event names and camelCases fields', async () => {
    const r = await run('rename.js')
    expect(r.code).toBe(0)
    expect(outputs(r.stdout)[0]).toMatchObject({ event: 'purchase', properties: { orderId: 'o-1' } })
    expect(outputs(r.stdout)[1]).toMatchObject({ traits: { firstName: 'Ada' } })
  })

  it('hash-pii.js hashes the normalized email and phone and removes the IP', async () => {
    const { createHash } = await import('node:crypto')
    const sha = (s: string) => createHash('sha256').update(s).digest('hex')
    const r = await run('hash-pii.js')
    expect(r.code).toBe(0)
    const identify = outputs(r.stdout)[1]
    expect(identify.traits).toEqual({
      email: sha('ada@example.com'),
      phone: sha('+442079460958'),
      first_name: 'Ada',
      plan: 'pro',
    })
    expect(identify.context).toEqual({})
  })

  it('fan-out.js emits one Product Purchased per product after the order', async () => {
    const r = await run('fan-out.js')
    expect(r.code).toBe(0)
    expect(
      outputs(r.stdout)
        .slice(0, 3)
        .map((e) => [e.event, e.messageId]),
    ).toEqual([
      ['Order Completed', 'm-1'],
      ['Product Purchased', 'm-1-item-0'],
      ['Product Purchased', 'm-1-item-1'],
    ])
  })

  it('reaches a mock server on loopback only with --allow-fetch and --allow-egress both', async () => {
    const server = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"tier":"gold"}'),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    try {
      const cwd = workspace({
        'lookup.js': `export async function transformEvent(event) {
  const res = await fetch('http://127.0.0.1:${port}/tier')
  return { ...event, tier: res.tier }
}
`,
        'events.jsonl': JSON.stringify(events[0]),
      })
      const base = ['transform', 'lookup.js', '--input', 'events.jsonl', '--allow-fetch', `127.0.0.1:${port}`]
      const refused = await runCli(base, { cwd })
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain('egress to 127.0.0.1 is denied: it is a loopback address')
      const allowed = await runCli([...base, '--allow-egress', '127.0.0.1'], { cwd })
      expect(allowed.stderr).toContain('1 events in: 1 out, 0 dropped, 0 failed')
      expect(JSON.parse(allowed.stdout)).toMatchObject({ messageId: 'm-1', tier: 'gold' })
    } finally {
      server.close()
    }
  })

  it('dedupe-batch.js drops the repeated messageId', async () => {
    const r = await run('dedupe-batch.js')
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('7 events in: 6 out, 1 dropped, 0 failed')
  })
})

describe('patchbay run with user code steps', () => {
  it('runs a pipeline whose transformations are user code files end to end', async () => {
    const cwd = workspace({
      'pipeline.yaml': `name: code-steps
transformations:
  - id: drop-heartbeats
    code: ./drop.js
  - id: enrich
    code: ./enrich.ts
destinations:
  - id: collect
    use: ${join(fixtures, 'collect-destination.js')}
    config:
      url: \${PATCHBAY_RECEIVER_URL}
    delivery:
      retry: { maxAttempts: 1 }
egress:
  allow: ["127.0.0.1"]
`,
      'drop.js': 'export function transformEvent(e) { return e.event === "Heartbeat" ? null : e }',
      'enrich.ts': ENRICH_TS,
      'events.jsonl': jsonl,
    })
    const r = await runCli(['run', 'pipeline.yaml', '--input', 'events.jsonl', '--receiver'], { cwd })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('collect (collect@1.0.0): delivered 1, dropped 1, failed 1')
    expect(r.stdout).toContain('enrich.ts:7:34: transformEvent threw Error: no total on m-3 (event m-3)')
    expect(r.stdout).toContain('receiver got 1 requests')
  })
})
