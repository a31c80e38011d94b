import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fixtures, runCli } from './_cli.ts'

/** Runs `patchbay run` through a source with --outcomes; returns the result and the outcomes. */
async function runWithOutcomes(args: string[], stdin: string, cwd = fixtures) {
  const outcomes = join(mkdtempSync(join(tmpdir(), 'patchbay-run-source-')), 'outcomes.jsonl')
  const r = await runCli(['run', ...args, '--input', '-', '--receiver', '--outcomes', outcomes], {
    stdin,
    cwd,
  })
  const written = readFileSync(outcomes, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { index: number; line?: number; status: string })
  return { r, outcomes: written }
}

describe('patchbay run --source', () => {
  it("reads a log file through the pipeline's log source, one event per line", async () => {
    const r = await runCli([
      'run',
      'logs.yaml',
      '--source',
      'logs',
      '--input',
      'access.log',
      '--receiver',
      '--json',
    ])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({
      events: 2,
      destinations: { collect: { delivered: 2, failed: 0 } },
    })
  })

  it('reads stdin with --input -', async () => {
    const r = await runCli(['run', 'logs.yaml', '--source', 'logs', '--input', '-', '--receiver'], {
      stdin: 'one\ntwo\nthree\n',
    })
    expect(r.stdout).toContain('3 events in')
    expect(r.stderr).toMatch(/receiver ← POST \/track {2}track "log_line"/)
  })

  it('says which sources the pipeline has when the name is wrong', async () => {
    const r = await runCli(['run', 'logs.yaml', '--source', 'nginx', '--input', 'access.log', '--receiver'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('the pipeline has no source "nginx" (it has: logs)')
  })

  it("migrates a v1 source config to the installed v2, as the gateway does, hands it each line's bytes as rawBody, and redacts the source's secret in its logs and errors", async () => {
    const r = await runCli(
      ['run', 'pipeline.yaml', '--source', 'tagged', '--input', 'lines.jsonl', '--receiver'],
      { cwd: `${fixtures}migrating` },
    )
    // Without core's source stage the v1 config (`tag:`) failed v2's schema (`label` required).
    expect(r.stderr).toContain(
      'migrated the config of step "sources.tagged" from @acme/source-tagged@1 to @acme/source-tagged@2.0.0',
    )
    // The source refuses a body without its raw bytes (rawBody), as a signature check would.
    expect(r.stdout).toContain('collect (collect@1.0.0): delivered 2, dropped 0, failed 0')
    expect(r.stderr).not.toContain('no raw body')
    // The bad line is reported with the source's error, redacted; so are its log lines.
    expect(r.stderr).toContain('input lines.jsonl:2: token [redacted] refused this body')
    expect(r.stderr).toContain('sources.tagged parsing with token [redacted]')
    expect(`${r.stdout}${r.stderr}`).not.toContain('tok-s3cret-value')
  })

  it('gives each outcome the input line of its log line (1-based), counting the empty lines the source skips, across batches', async () => {
    const { r, outcomes } = await runWithOutcomes(
      ['logs.yaml', '--source', 'logs', '--batch-size', '2'],
      'first\n\n   \nfourth\nfifth\n\nseventh\n',
    )
    expect(r.stdout).toContain('4 events in')
    expect(outcomes.map((o) => [o.index, o.line, o.status])).toEqual([
      [0, 1, 'delivered'],
      [1, 4, 'delivered'],
      [2, 5, 'delivered'],
      [3, 7, 'delivered'],
    ])
  })

  it('numbers lines as editors and the gateway do: a carriage return inside a line does not start a new one', async () => {
    const { r, outcomes } = await runWithOutcomes(
      ['logs.yaml', '--source', 'logs'],
      'first\r\nprogress 10%\rprogress 100%\nthird\n',
    )
    expect(r.stdout).toContain('3 events in')
    expect(outcomes.map((o) => o.line)).toEqual([1, 2, 3])
  })

  it('gives every event a line source makes from one line that line, and none to the lines it drops', async () => {
    const { r, outcomes } = await runWithOutcomes(
      ['split.yaml', '--source', 'names', '--batch-size', '2'],
      'a,b\n# a comment\n\nc\nd,e,f\n',
      `${fixtures}line-sources`,
    )
    expect(r.code).toBe(0)
    expect(outcomes.map((o) => [o.index, o.line])).toEqual([
      [0, 1],
      [1, 1],
      [2, 4],
      [3, 5],
      [4, 5],
      [5, 5],
    ])
  })

  it("batches a source's events by --batch-size, not by the source's own batchSize", async () => {
    const r = await runCli(
      ['run', 'logs-batched.yaml', '--source', 'logs', '--input', '-', '--receiver', '--batch-size', '2'],
      { stdin: 'one\ntwo\nthree\nfour\nfive\n', cwd: `${fixtures}line-sources` },
    )
    expect(r.stdout).toContain('5 events in')
    // One request per batch: 2 + 2 + 1 events. With the source's batchSize (1000) it was 1.
    expect(r.stdout).toContain('receiver got 3 requests')
  })

  it("batches a pulling source's events (piped Singer output) by --batch-size too", async () => {
    const schema = JSON.stringify({ type: 'SCHEMA', stream: 'people', key_properties: ['id'], schema: {} })
    const records = Array.from({ length: 6 }, (_, i) =>
      JSON.stringify({ type: 'RECORD', stream: 'people', record: { id: i + 1, email: `u${i}@example.com` } }),
    )
    const r = await runCli(
      ['run', 'singer-batched.yaml', '--source', 'crm', '--input', '-', '--receiver', '--batch-size', '6'],
      { stdin: `${[schema, ...records].join('\n')}\n`, cwd: `${fixtures}line-sources` },
    )
    expect(r.stdout).toContain('6 events in')
    // The source's batches of 4 made 2 requests.
    expect(r.stdout).toContain('receiver got 1 requests')
  })
})
