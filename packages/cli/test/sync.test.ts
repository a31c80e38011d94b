import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fixtures, runCli } from './_cli.ts'

const dir = `${fixtures}singer`
const env = { CRM_API_KEY: 'crm-s3cret-key' }
const state = (stateDir: string) => JSON.parse(readFileSync(join(stateDir, 'crm.state.json'), 'utf8')).state

describe('patchbay sync', () => {
  it('runs the tap, delivers its records, saves the state, and resumes from it', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'patchbay-cli-sync-'))
    const first = await runCli(
      ['sync', 'pipeline.yaml', '--source', 'crm', '--state-dir', stateDir, '--receiver', '--json'],
      {
        cwd: dir,
        env: { ...env, TAP_FAIL_AT: '11' },
      },
    )
    expect(first.code).toBe(1)
    const failed = JSON.parse(first.stdout)
    expect(failed).toMatchObject({ events: 8, ok: false, error: { code: 'PB_EXTRACT_FAILED' } })
    expect(failed.error.message).toMatch(
      /exited with code 2 after line 13; its last stderr lines: tap: key \[redacted\]/,
    )
    // Batches of 4: [1-4], then [5-8] carries STATE 5; 9 and 10 (and STATE 10) die with the tap.
    expect(state(stateDir)).toEqual({ people: 5 })
    const second = await runCli(
      ['sync', 'pipeline.yaml', '--source', 'crm', '--state-dir', stateDir, '--receiver', '--json'],
      {
        cwd: dir,
        env,
      },
    )
    expect(second.code).toBe(0)
    expect(JSON.parse(second.stdout)).toMatchObject({
      events: 7,
      ok: true,
      destinations: { collect: { delivered: 7 } },
    })
    expect(state(stateDir)).toEqual({ people: 12 })
    expect(`${first.stdout}${first.stderr}${second.stdout}${second.stderr}`).not.toContain('crm-s3cret-key')
  }, 90_000)

  it('refuses a source that does not pull', async () => {
    const r = await runCli(['sync', '../logs.yaml', '--source', 'logs', '--receiver'], { cwd: dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(
      'source "logs" cannot sync: its plugin (@patchbay/source-log@0.0.0) does not pull',
    )
  })
})

describe('tap | patchbay run --source singer --input -', () => {
  it('maps the piped tap output', async () => {
    const lines = [
      { type: 'SCHEMA', stream: 'people', key_properties: ['id'], schema: { type: 'object' } },
      { type: 'RECORD', stream: 'people', record: { id: 1, email: 'a@example.com' } },
      { type: 'STATE', value: { people: 1 } },
      { type: 'RECORD', stream: 'people', record: { id: 2, email: 'b@example.com' } },
    ]
    const r = await runCli(
      ['run', 'pipeline.yaml', '--source', 'crm', '--input', '-', '--receiver', '--json'],
      {
        cwd: dir,
        env,
        stdin: lines.map((l) => JSON.stringify(l)).join('\n'),
      },
    )
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ events: 2, destinations: { collect: { delivered: 2 } } })
  })
})
