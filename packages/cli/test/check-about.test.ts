import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { fixtures, runCli } from './_cli.ts'

const connector = (name: string) => fileURLToPath(new URL(`../../../connectors/${name}`, import.meta.url))

describe('patchbay check', () => {
  it("passes a config the connector's check accepts, and fails one it refuses without printing the secret", async () => {
    const ok = await runCli(['check', `${fixtures}dev-source`])
    expect(ok.code).toBe(0)
    expect(ok.stdout).toContain('✓ dev-source@1.0.0: the connection check passed')
    const file = join(mkdtempSync(join(tmpdir(), 'patchbay-check-')), 'config.json')
    writeFileSync(file, JSON.stringify({ secret: 'sk_live_wrong_kind' }))
    const bad = await runCli(['check', `${fixtures}dev-source`, '--config', file, '--json'])
    expect(bad.code).toBe(1)
    expect(JSON.parse(bad.stdout)).toMatchObject({ status: 'failed', code: 'PB_CONFIG_INVALID' })
    expect(bad.stdout + bad.stderr).not.toContain('sk_live_wrong_kind')
  })

  it('says when a connector has no check', async () => {
    const r = await runCli(['check', `${fixtures}dev-transformation`])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('has no check hook')
  })
})

describe('patchbay plugins --about', () => {
  it('documents settings from the config schema as Markdown, secrets and defaults marked', async () => {
    const r = await runCli(['plugins', '--about', connector('destination-webhook')])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^# /)
    expect(r.stdout).toContain('| setting | type | required | default | description |')
    expect(r.stdout).toMatch(/\| `url` \| string \| yes \|/)
    expect(r.stdout).toContain(
      '| `method` | "GET" \\| "POST" \\| "PUT" \\| "PATCH" \\| "DELETE" | no | `"POST"` |',
    )
    expect(r.stdout).toMatch(
      /\| `auth\.token` \| string \| yes \| {2}\| \*\*secret\*\* \(with type: "bearer"\)/,
    )
    expect(r.stdout).toMatch(/\| `signing\.secret` \| string \| .* \| \*\*secret\*\* /)
  })

  it('prints JSON with --format json, with secret example values masked', async () => {
    const r = await runCli(['plugins', '--about', `${fixtures}dev-source`, '--format', 'json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({
      name: 'dev-source',
      version: '1.0.0',
      kind: 'source',
      apiVersion: 1,
      check: true,
      settings: [{ name: 'secret', type: 'string', required: true, secret: true }],
      examples: [{ secret: '[redacted]' }],
    })
  })

  it('refuses an unknown format', async () => {
    const r = await runCli(['plugins', '--about', `${fixtures}dev-source`, '--format', 'yaml'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--format is md or json')
  })
})
