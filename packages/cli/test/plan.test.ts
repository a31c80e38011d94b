import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { fixtures, runCli } from './_cli.ts'

const dir = mkdtempSync(join(tmpdir(), 'pb-plan-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const events = join(fixtures, 'plan', 'events.jsonl')
const traffic = join(fixtures, 'plan', 'new.jsonl')

describe('patchbay plan', () => {
  it('infer drafts a plan that check then passes on the same events, and holds new traffic to', async () => {
    const plan = join(dir, 'plan.yaml')
    const inferred = await runCli(['plan', 'infer', events, '--name', 'shop', '--out', plan])
    expect(inferred.code).toBe(0)
    expect(readFileSync(plan, 'utf8')).toContain('name: shop\nversion: 1\n')
    const same = await runCli(['plan', 'check', plan, events])
    expect(same).toMatchObject({ code: 0, stdout: '' })
    expect(same.stderr).toContain('7 events checked against shop v1: 0 violating')
    const fresh = await runCli(['plan', 'check', plan, traffic])
    expect(fresh.code).toBe(1)
    expect(fresh.stdout.split('\n')).toEqual([
      'LINE  EVENT            VIOLATION          FIELD                 MESSAGE',
      '1     Order Completed  Datatype-Mismatch  /properties/total     must be number',
      '3     Order Completed  Unknown-Violation  /properties/currency  must be equal to one of the allowed values',
      "4     identify         Required-Missing   /traits               must have required property 'plan'",
      '',
    ])
    const json = await runCli(['plan', 'check', plan, traffic, '--json'])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout).violating.map((v: { messageId: string }) => v.messageId)).toEqual([
      'm-8',
      'm-10',
      'm-11',
    ])
  }, 60_000)

  it('diff exits 1 on a breaking change and 0 on none', async () => {
    const before = join(fixtures, 'plan', 'v1.yaml')
    const after = join(fixtures, 'plan', 'v2.yaml')
    const breaking = await runCli(['plan', 'diff', before, after])
    expect(breaking.code).toBe(1)
    expect(breaking.stdout).toContain('BREAKING  made-required')
    expect(breaking.stdout).toContain('BREAKING  type-narrowed')
    expect(breaking.stderr).toContain('shop v1 → v2: 2 changes, 2 breaking')
    expect((await runCli(['plan', 'diff', before, before])).code).toBe(0)
  }, 60_000)

  it('report tallies forwarded violations', async () => {
    const result = await runCli(['plan', 'report', join(fixtures, 'plan', 'forwarded.jsonl')])
    expect(result.code).toBe(0)
    expect(result.stdout.split('\n')).toEqual([
      'SOURCE  PLAN     EVENT            VIOLATION          EVENTS',
      '-       shop v1  Order Completed  Datatype-Mismatch  2',
      '-       shop v1  Order Completed  Required-Missing   1',
      '',
    ])
    expect(result.stderr).toContain('4 events, 3 violating')
  }, 60_000)

  it('names file and line of a broken plan', async () => {
    const result = await runCli(['plan', 'check', join(fixtures, 'plan', 'broken.yaml'), events])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(
      'broken.yaml:5:27: track "Signed Up", property plan: type "text" is not a JSON Schema type',
    )
  }, 60_000)
})
