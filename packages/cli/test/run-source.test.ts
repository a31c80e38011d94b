import { describe, expect, it } from 'vitest'
import { fixtures, runCli } from './_cli.ts'

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
})
