import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from './_cli.ts'

describe('patchbay run', () => {
  it('runs a file of events through a pipeline into the local receiver and prints the summary', async () => {
    const r = await runCli(['run', 'pipeline.yaml', '--input', 'events.jsonl', '--receiver'])
    expect(r.code).toBe(1) // one event is invalid and one line unreadable
    expect(r.stdout).toContain('4 events in (+1 unreadable lines)')
    expect(r.stdout).toContain('collect (collect@1.0.0): delivered 3, dropped 0, failed 1')
    expect(r.stdout).toContain('1 × PB_EVENT_INVALID at validate')
    expect(r.stdout).toContain(
      'first failure (event m3): event #3 (m3) is not a valid event: track event needs `event`',
    )
    expect(r.stdout).toContain('receiver got 3 requests')
    expect(r.stderr).toContain('events.jsonl:4: not valid JSON')
    expect(r.stderr).toMatch(/receiver ← POST \/track/)
  })

  it('reads stdin with --input -, prints JSON with --json, writes outcomes with --outcomes, exits 0 when all delivered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-cli-'))
    const outcomes = join(dir, 'outcomes.jsonl')
    const stdin =
      '{"type":"track","event":"A","userId":"u","messageId":"a1"}\n{"type":"alias","userId":"u","previousId":"p","messageId":"a2"}\n'
    const r = await runCli(
      ['run', 'pipeline.yaml', '--input', '-', '--receiver', '--json', '--outcomes', outcomes],
      { stdin },
    )
    expect(r.code).toBe(0)
    const summary = JSON.parse(r.stdout)
    expect(summary).toMatchObject({
      pipeline: 'cli-test',
      events: 2,
      ok: true,
      destinations: { collect: { delivered: 2, dropped: 0, failed: 0 } },
    })
    const lines = readFileSync(outcomes, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.map((o) => [o.messageId, o.status, o.line])).toEqual([
      ['a1', 'delivered', 1],
      ['a2', 'delivered', 2],
    ])
  })

  it("gives user code lookupIdentity over the run's identity graph", async () => {
    // An anonymous id, then a login that joins it to user u; the last event looks up the anonymous id.
    const stdin = [
      { type: 'track', event: 'A', anonymousId: 'anon-1', messageId: 'i1' },
      { type: 'alias', userId: 'u', previousId: 'anon-1', messageId: 'i2' },
      {
        type: 'track',
        event: 'B',
        userId: 'u',
        messageId: 'i3',
        properties: { lookup: 'anonymousId:anon-1' },
      },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n')
    const r = await runCli(['run', 'identity/pipeline.yaml', '--input', '-', '--receiver', '--json'], {
      stdin,
    })
    expect(JSON.parse(r.stdout)).toMatchObject({
      events: 3,
      ok: true,
      destinations: { collect: { delivered: 3 } },
    })
    expect(r.code).toBe(0)
  })

  it('points at the file, line and field of a bad pipeline, and exits 2', async () => {
    const r = await runCli(['run', 'bad-pipeline.yaml', '--input', 'events.jsonl'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('bad-pipeline.yaml:6:7')
    expect(r.stderr).toContain('url must be a string')
    expect(r.stderr).not.toContain('    at ') // no stack trace for a known error
  })

  it('says which file is missing', async () => {
    const r = await runCli(['run', 'pipeline.yaml', '--input', 'nope.jsonl', '--receiver'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('input file nope.jsonl does not exist')
  })
})

describe('patchbay', () => {
  it('--help lists the commands with a hint; no arguments prints usage and exits 2', async () => {
    const help = await runCli(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/run\s/)
    expect(help.stdout).toMatch(/plugins\s/)
    const none = await runCli([])
    expect(none.code).toBe(2)
  })

  it('run --help shows its options', async () => {
    const r = await runCli(['run', '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('--input')
    expect(r.stdout).toContain('--receiver')
  })

  it('refuses an unknown command with the list of commands', async () => {
    const r = await runCli(['frobnicate'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('Unknown command "frobnicate"')
  })

  it('prints its version', async () => {
    const r = await runCli(['--version'])
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })
})
