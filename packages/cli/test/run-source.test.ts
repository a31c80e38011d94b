import { describe, expect, it } from 'vitest'
import { runCli } from './_cli.ts'

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
})
