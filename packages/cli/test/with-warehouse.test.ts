import { parsePipeline } from '@patchbay/core'
import { resolvePipelineSettings } from '@patchbay/server'
import { describe, expect, it } from 'vitest'
import { withWarehouse } from '../src/_with-warehouse.ts'

// `patchbay serve --warehouse FILE`: the pipeline gets a DuckDB destination `warehouse`, whose
// workers claim 1,000 jobs at a time (a claim is one load), and keeps its own gateway settings.
const pipeline = (gateway: string) =>
  parsePipeline(
    `destinations:
  - id: crm
    use: "@patchbay/destination-webhook@^0"
${gateway}`,
    { file: '/p/pipeline.yaml', env: {} },
  )

describe('--warehouse', () => {
  it('adds the warehouse, claiming 1,000 jobs at a time, beside the pipeline’s destinations', () => {
    const loaded = withWarehouse(pipeline(''), '/data/events.duckdb', false)
    expect(loaded.definition.destinations.map((d) => [d.id, d.use])).toEqual([
      ['crm', '@patchbay/destination-webhook@^0'],
      ['warehouse', '@patchbay/destination-duckdb'],
    ])
    const settings = resolvePipelineSettings(loaded)
    expect([...settings.claim]).toEqual([['warehouse', 1000]])
  })

  it('keeps the gateway block’s other settings', () => {
    const loaded = withWarehouse(
      pipeline(
        'gateway:\n  maxTransformAttempts: 5\n  destinations:\n    crm: { ordering: user, claim: 50 }\n',
      ),
      '/data/events.duckdb',
      false,
    )
    const settings = resolvePipelineSettings(loaded)
    expect(settings.maxTransformAttempts).toBe(5)
    expect([...settings.ordering]).toEqual([
      ['crm', 'user'],
      ['warehouse', 'none'],
    ])
    expect([...settings.claim]).toEqual([
      ['crm', 50],
      ['warehouse', 1000],
    ])
  })

  it('leaves a gateway block that is not an object for the gateway to refuse', () => {
    const loaded = withWarehouse(pipeline('gateway: 5\n'), '/data/events.duckdb', false)
    expect(loaded.definition.gateway).toBe(5)
    expect(() => resolvePipelineSettings(loaded)).toThrow(/gateway/)
  })

  it('refuses a pipeline that has a destination called warehouse already', () => {
    const loaded = parsePipeline(
      'destinations:\n  - id: warehouse\n    use: "@patchbay/destination-webhook@^0"\n',
      { file: '/p/pipeline.yaml', env: {} },
    )
    expect(() => withWarehouse(loaded, '/data/events.duckdb', false)).toThrow(
      '--warehouse adds a destination with id "warehouse", and /p/pipeline.yaml has one already',
    )
  })
})
