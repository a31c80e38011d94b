import { afterEach, describe, expect, it } from 'vitest'
import { createPipeline, type Pipeline, type StepReport } from '../../src/index.ts'
import { pipeline, registry } from './_plugins.ts'

// `transform`'s step observer: what each transformation step did to the watched inputs (the
// gateway's console shows it as one diff per step).

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()))
})

const YAML = `
name: observed
transformations:
  - id: first
    use: "@test/transformation-enrich@^1"
    config: { tag: one }
  - id: identifies-only
    use: "@test/transformation-enrich@^1"
    filter: { types: [identify] }
    config: { tag: never }
  - id: second
    use: "@test/transformation-enrich@^1"
    config: { tag: two }
destinations:
  - id: crm
    use: "@test/destination-collect@1"
    config: { url: "http://127.0.0.1:9/crm", token: "tok_secret_1234" }
`

async function chain(): Promise<Pipeline> {
  const p = await createPipeline(pipeline(YAML), { registry: registry(), now: () => new Date(0) })
  open.push(p)
  return p
}

const events = [
  { type: 'track', event: 'A', userId: 'u1', messageId: 'm-1' },
  { type: 'track', event: 'Noise', userId: 'u1', messageId: 'm-2' },
  { type: 'track', event: 'Crash', userId: 'u2', messageId: 'm-3' },
  { type: 'track', event: 'B', userId: 'u3', messageId: 'm-4' },
]

const summary = (r: StepReport) => ({
  index: r.index,
  step: r.step,
  status: r.status,
  ...(r.status === 'ran' ? { after: r.after.map((e) => (e.context as { tag?: string }).tag ?? null) } : {}),
  ...(r.status === 'failed' ? { code: r.error.code } : {}),
})

describe('Pipeline.transform with observeSteps', () => {
  it('reports each step of each watched input in chain order: ran (with its output), skipped, dropped, failed', async () => {
    const p = await chain()
    const reports: StepReport[] = []
    const result = await p.transform(events, {
      observeSteps: { wants: (i) => i !== 3, report: (r) => reports.push(r) },
    })
    expect(reports.map(summary)).toEqual([
      { index: 0, step: 'first', status: 'ran', after: ['one'] },
      { index: 1, step: 'first', status: 'ran', after: [] },
      { index: 2, step: 'first', status: 'failed', code: 'PB_TRANSFORM_FAILED' },
      { index: 0, step: 'identifies-only', status: 'skipped' },
      { index: 0, step: 'second', status: 'ran', after: ['two'] },
    ])
    // Each step's `before` is what the previous one returned: the diffs chain.
    const [first, , , skipped, second] = reports as Array<StepReport & { after?: unknown[] }>
    expect(skipped!.before).toBe(first!.after![0])
    expect(second!.before).toBe(first!.after![0])
    expect(result.events.map((e) => e.event)).toEqual([second!.after![0], expect.anything()])
  })

  it('changes nothing about the result', async () => {
    const p = await chain()
    const watched = await p.transform(events, { observeSteps: { report: () => {} } })
    const plain = await p.transform(events)
    expect(JSON.stringify(watched)).toBe(JSON.stringify(plain))
  })

  it('keeps going when the observer throws', async () => {
    const p = await chain()
    const result = await p.transform(events, {
      observeSteps: {
        report: () => {
          throw new Error('observer broke')
        },
      },
    })
    expect(result.events.map((e) => e.event.messageId)).toEqual(['m-1', 'm-4'])
  })
})
