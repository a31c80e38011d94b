import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from './_cli.ts'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')

describe('patchbay types', () => {
  it('writes the event protocol types, which compile and type user transforms', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-types-'))
    const out = join(dir, 'events.d.ts')
    const r = await runCli(['types', '--protocol', '-o', out])
    expect(r.code).toBe(0)
    const text = readFileSync(out, 'utf8')
    expect(text).toContain('export interface TrackEvent')
    expect(text).toContain(
      'export type PatchbayEvent = TrackEvent | IdentifyEvent | PageEvent | ScreenEvent | GroupEvent | AliasEvent',
    )
    writeFileSync(
      join(dir, 'transform.ts'),
      `import type { PatchbayEvent } from './events.d.ts'
export function transformEvent(event: PatchbayEvent) {
  if (event.type === 'track') return { ...event, event: event.event.toUpperCase() }
  return event
}
`,
    )
    execFileSync(process.execPath, [
      tsc,
      '--noEmit',
      '--strict',
      '--allowImportingTsExtensions',
      '--module',
      'nodenext',
      '--ignoreConfig',
      join(dir, 'transform.ts'),
    ])
  })

  it('generates types from a JSON Schema file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-types-'))
    const schema = join(dir, 'config.schema.json')
    writeFileSync(
      schema,
      JSON.stringify({
        title: 'CrmConfig',
        type: 'object',
        required: ['apiKey'],
        properties: { apiKey: { type: 'string' }, region: { enum: ['eu', 'us'] } },
        additionalProperties: false,
      }),
    )
    const r = await runCli(['types', schema])
    expect(r.stdout).toContain('export interface CrmConfig {')
    expect(r.stdout).toContain('apiKey: string;')
    expect(r.stdout).toContain('region?: "eu" | "us";')
  })

  it('says what is wrong with a file that is not JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-types-'))
    writeFileSync(join(dir, 'bad.json'), '{ nope')
    const r = await runCli(['types', join(dir, 'bad.json')])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('cannot read')
  })
})
