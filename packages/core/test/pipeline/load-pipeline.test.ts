import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadPipelineFile, parsePipeline } from '../../src/index.ts'
import { thrown } from '../_thrown.ts'

const good = `
name: demo
transformations:
  - id: upper
    use: ./plugins/upper.js
destinations:
  - id: receiver
    use: "@patchbay/destination-webhook@^0"
    config:
      url: \${RECEIVER_URL}
      token: \${TOKEN:-none}
    filter:
      types: [track, identify]
`

describe('parsePipeline', () => {
  it('parses YAML, replaces ${ENV} and ${ENV:-default}, and can point at any field', () => {
    const loaded = parsePipeline(good, {
      file: '/p/pipeline.yaml',
      env: { RECEIVER_URL: 'http://127.0.0.1:9/in' },
    })
    expect(loaded.definition.destinations[0]).toEqual({
      id: 'receiver',
      use: '@patchbay/destination-webhook@^0',
      config: { url: 'http://127.0.0.1:9/in', token: 'none' },
      filter: { types: ['track', 'identify'] },
    })
    expect(loaded.baseDir).toBe('/p')
    expect(loaded.locate('/destinations/0/config/url')).toEqual({
      file: '/p/pipeline.yaml',
      line: 10,
      column: 12,
    })
    expect(loaded.locate('/destinations/0/config/missing')).toEqual({
      file: '/p/pipeline.yaml',
      line: 9,
      column: 5,
    })
  })

  it('reads JSON too', () => {
    const json = JSON.stringify({ destinations: [{ id: 'a', use: 'x@1' }] }, null, 2)
    expect(parsePipeline(json, { file: 'p.json', env: {} }).definition.destinations[0]?.id).toBe('a')
  })

  it('reports every schema problem with file:line:column and the field', () => {
    const bad = `destinations:
  - id: 1bad
    use: x@1
    filtre: { types: [track] }
  - id: ok
    use: y@1
    filter:
      types: [trak]
transformations:
  - id: t
`
    const error = thrown(() => parsePipeline(bad, { file: '/p/pipeline.yaml', env: {} }))
    expect(error.code).toBe('PB_PIPELINE_INVALID')
    const lines = error.message.split('\n')
    expect(lines[0]).toBe('Invalid pipeline file:')
    expect(lines).toContain(
      '  pipeline.yaml:4:5: destinations[0].filtre is not a known field: check its spelling against the docs',
    )
    expect(lines).toContain(
      '  pipeline.yaml:2:9: destinations[0].id must match the pattern ^[A-Za-z][\\w-]*$',
    )
    expect(lines).toContain(
      '  pipeline.yaml:8:15: destinations[1].filter.types[0] must be one of "track", "identify", "page", "screen", "group", "alias"',
    )
    expect(error.location).toMatchObject({
      file: '/p/pipeline.yaml',
      line: 4,
      column: 5,
      field: '/destinations/0/filtre',
    })
  })

  it('says which environment variable is missing, and where', () => {
    const error = thrown(() => parsePipeline(good, { file: '/p/pipeline.yaml', env: {} }))
    expect(error.message).toBe(
      'Invalid pipeline file:\n  pipeline.yaml:10:12: destinations[0].config.url uses ${RECEIVER_URL}, but the environment variable RECEIVER_URL is not set (set it, or write ${RECEIVER_URL:-default})',
    )
    expect(error.location).toMatchObject({ line: 10, column: 12, field: '/destinations/0/config/url' })
  })

  it('refuses duplicate step ids and steps with both or neither of use/code', () => {
    const text = `destinations:
  - { id: a, use: x@1 }
  - { id: a, use: y@1 }
transformations:
  - { id: t, use: z@1, code: ./t.js }
`
    const error = thrown(() => parsePipeline(text, { file: 'p.yaml', env: {} }))
    expect(error.message).toContain('p.yaml:3:11: destinations[1].id "a" is used twice in destinations')
    expect(error.message).toContain(
      'p.yaml:5:5: transformations[0] needs exactly one of `use` (a plugin) or `code` (a user transform file)',
    )
  })

  it('says where the gateway-only fields moved when a file still has them, at their lines', () => {
    const text = `destinations:
  - id: crm
    use: "@patchbay/destination-webhook@^0"
    delivery: { concurrency: 4, ordering: user }
sandbox:
  maxTransformAttempts: 5
`
    const error = thrown(() => parsePipeline(text, { file: 'p.yaml', env: {} }))
    expect(error.code).toBe('PB_PIPELINE_INVALID')
    expect(error.message).toContain(
      'p.yaml:4:43: destinations[0].delivery.ordering has moved: ordering is a gateway setting now. Remove it here and write `gateway: { destinations: { crm: { ordering: "user" } } }` at the top level of the file',
    )
    expect(error.message).toContain(
      'p.yaml:6:25: sandbox.maxTransformAttempts has moved: it is a gateway setting now. Remove it here and write `gateway: { maxTransformAttempts: 5 }`',
    )
  })

  it("passes the gateway block through unread: its schema is the server's", () => {
    const text = `destinations:
  - id: crm
    use: "@patchbay/destination-webhook@^0"
gateway:
  destinations: { crm: { ordering: user } }
`
    const { definition } = parsePipeline(text, { file: 'p.yaml', env: {} })
    expect(definition.gateway).toEqual({ destinations: { crm: { ordering: 'user' } } })
  })

  it('points at YAML syntax errors', () => {
    const error = thrown(() =>
      parsePipeline('destinations:\n  - id: a\n   use: b\n', { file: 'p.yaml', env: {} }),
    )
    expect(error.code).toBe('PB_PIPELINE_INVALID')
    expect(error.message).toMatch(/^p\.yaml:3:\d+: /)
  })
})

describe('loadPipelineFile', () => {
  it('reads a file and resolves its folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-pipeline-'))
    writeFileSync(join(dir, 'pipeline.yaml'), 'destinations:\n  - { id: a, use: x@1 }\n')
    expect(loadPipelineFile(join(dir, 'pipeline.yaml')).baseDir).toBe(dir)
  })

  it('names a missing file', () => {
    const error = thrown(() => loadPipelineFile('/nonexistent/pipeline.yaml'))
    expect(error.message).toMatch(/^Cannot read pipeline file \/nonexistent\/pipeline\.yaml: ENOENT/)
  })
})

describe('egress rules', () => {
  it('points at an allow rule that is not a host name, an address or a CIDR range', () => {
    const text = `destinations:
  - { id: a, use: x@1 }
egress:
  allow:
    - hooks.internal
    - 0177.0.0.1
    - 10.0.0.0/33
`
    const error = thrown(() => parsePipeline(text, { file: 'p.yaml', env: {} }))
    expect(error.code).toBe('PB_PIPELINE_INVALID')
    expect(error.message).toBe(
      [
        'Invalid pipeline file:',
        '  p.yaml:6:7: egress.allow[1] "0177.0.0.1" is an IPv4 address in a legacy spelling, which tools read differently. Write it in dotted decimal: "127.0.0.1".',
        '  p.yaml:7:7: egress.allow[2] "10.0.0.0/33" is not a CIDR range. Write an address and a prefix length, e.g. "10.20.0.0/16" or "fd00::/8".',
      ].join('\n'),
    )
  })
})
