import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createUserCodeLoader, type SandboxLog } from '../src/index.ts'
import { summarize, track } from './_helpers.ts'

const dir = mkdtempSync(join(tmpdir(), 'patchbay-loader-'))
const file = (name: string, code: string) => {
  const path = join(dir, name)
  writeFileSync(path, code)
  return path
}
const logs: Array<SandboxLog & { step: string }> = []
const loader = createUserCodeLoader({ onLog: (log) => logs.push(log) })
afterAll(() => loader.close())

describe('createUserCodeLoader', () => {
  it('loads a user code file as a pipeline step and runs batches with metadata', async () => {
    const path = file(
      'enrich.ts',
      `export function transformEvent(event: { messageId: string }, metadata: (e: unknown) => { sourceId?: string }) {
        log('enriching', event.messageId)
        return { ...event, source: metadata(event).sourceId }
      }`,
    )
    const step = await loader.load(path, { stepId: 'enrich', limits: { cpuTimeMs: 500 } })
    const { results } = await step.run([track('m-1')] as never, { sourceId: 'web' })
    expect(summarize(results[0]!)).toEqual([{ ...track('m-1'), source: 'web' }])
    expect(logs).toEqual([
      { level: 'log', message: 'enriching m-1', messageId: 'm-1', step: 'transformations.enrich' },
    ])
    await step.dispose()
  })

  it('names the step and the file in errors', async () => {
    const path = file('strict.js', `export function transformEvent(event) {\n  throw new Error('nope')\n}`)
    const step = await loader.load(path, { stepId: 'strict' })
    const { results } = await step.run([track('m-1')] as never, {})
    expect(results[0]).toMatchObject({
      ok: false,
      error: {
        code: 'PB_TRANSFORM_FAILED',
        location: { step: 'transformations.strict', file: path, line: 2, column: 9 },
      },
    })
    await step.dispose()
  })

  it('refuses a file it cannot read with a configuration error', async () => {
    const error = await loader.load(join(dir, 'missing.js'), { stepId: 'gone' }).catch((e) => e)
    expect(error.code).toBe('PB_CONFIG_INVALID')
    expect(error.message).toContain('transformations.gone: cannot read the user code file')
  })

  it('reports compile errors at load time', async () => {
    const error = await loader
      .load(file('noexport.js', 'export const x = 1'), { stepId: 'bad' })
      .catch((e) => e)
    expect(error.code).toBe('PB_SANDBOX_EXPORT')
    expect(error.location.step).toBe('transformations.bad')
  })
})
