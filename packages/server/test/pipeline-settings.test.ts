import { parsePipeline } from '@patchbay/core'
import { describe, expect, it } from 'vitest'
import { resolvePipelineSettings } from '../src/index.ts'

const pipeline = (gateway: string) =>
  parsePipeline(
    `destinations:
  - id: crm
    use: "@patchbay/destination-webhook@^0"
  - id: lake
    use: "@patchbay/destination-webhook@^0"
${gateway}`,
    { file: '/p/pipeline.yaml', env: {} },
  )

const thrown = (fn: () => unknown) => {
  try {
    fn()
  } catch (error) {
    return error as Error & { code: string; line?: number }
  }
  throw new Error('expected a throw')
}

describe('the pipeline file gateway: block', () => {
  it('gives each destination its ordering (none by default) and the transform attempts', () => {
    const settings = resolvePipelineSettings(
      pipeline('gateway:\n  maxTransformAttempts: 5\n  destinations:\n    crm: { ordering: user }\n'),
    )
    expect([...settings.ordering]).toEqual([
      ['crm', 'user'],
      ['lake', 'none'],
    ])
    expect(settings.maxTransformAttempts).toBe(5)
    expect(resolvePipelineSettings(pipeline('')).maxTransformAttempts).toBe(3)
  })

  it("gives a destination its own claim size; the others keep the gateway's", () => {
    const settings = resolvePipelineSettings(
      pipeline('gateway:\n  destinations:\n    lake: { claim: 1000 }\n'),
    )
    expect([...settings.claim]).toEqual([['lake', 1000]])
    expect([...settings.ordering]).toEqual([
      ['crm', 'none'],
      ['lake', 'none'],
    ])
    const error = thrown(() =>
      resolvePipelineSettings(pipeline('gateway:\n  destinations:\n    lake: { claim: 0 }\n')),
    )
    expect(error.code).toBe('PB_PIPELINE_INVALID')
    expect(error.message).toMatch(/^\/p\/pipeline\.yaml:8:\d+: gateway\.destinations\.lake\.claim /)
  })

  it('refuses a bad value at its line', () => {
    const error = thrown(() =>
      resolvePipelineSettings(pipeline('gateway:\n  destinations:\n    crm: { ordering: per-user }\n')),
    )
    expect(error.code).toBe('PB_PIPELINE_INVALID')
    expect(error.message).toMatch(/^\/p\/pipeline\.yaml:8:\d+: gateway\.destinations\.crm\.ordering /)
  })

  it('refuses a destination id the pipeline does not have, and lists the ones it has', () => {
    const error = thrown(() =>
      resolvePipelineSettings(pipeline('gateway:\n  destinations:\n    CRM: { ordering: user }\n')),
    )
    expect(error.message).toBe(
      '/p/pipeline.yaml:8:5: gateway.destinations.CRM names no destination of this pipeline',
    )
    expect((error as unknown as { hint: string }).hint).toBe('Use one of the destination ids: crm, lake.')
  })
})
