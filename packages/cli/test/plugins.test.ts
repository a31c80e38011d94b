import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fixtures, runCli } from './_cli.ts'

const project = join(fixtures, 'project')

describe('patchbay plugins', () => {
  it('lists installed plugins with versions and kinds, two majors side by side, without loading them', async () => {
    const r = await runCli(['plugins'], { cwd: project })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/@acme\/destination-crm\s+1\.3\.0\s+destination\s+as crm-v1/)
    expect(r.stdout).toMatch(/@acme\/destination-crm\s+2\.0\.0\s+destination/)
  })

  it('prints JSON with --json', async () => {
    const r = await runCli(['plugins', '--json'], { cwd: project })
    const rows = JSON.parse(r.stdout) as Array<{ name: string; version: string; installName: string }>
    expect(rows.filter((p) => p.name === '@acme/destination-crm')).toEqual([
      expect.objectContaining({ version: '1.3.0', kind: 'destination', installName: 'crm-v1' }),
      expect.objectContaining({
        version: '2.0.0',
        kind: 'destination',
        installName: '@acme/destination-crm',
      }),
    ])
  })
})
