import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import {
  createDeliverer,
  createMemoryTransport,
  createPipeline,
  parsePipeline,
  resolveDeliveryOptions,
} from '../../src/index.ts'

// A project with @acme/destination-echo 1.4.0 (installed as echo-v1) and 2.1.0 (as echo-v2).
const project = fileURLToPath(new URL('../fixtures/registry/', import.meta.url))

it('runs two majors of one plugin side by side, one per destination, and migrates a v1 config to v2', async () => {
  const yaml = `
destinations:
  - id: old
    use: "@acme/destination-echo@^1"
    config: { url: "https://old.example/in" }
  - id: new
    use: "@acme/destination-echo@^2"
    config: { endpoint: "https://new.example/in" }
  - id: migrated
    use: "@acme/destination-echo@^3 || ^2"
    config: { endpoint: "https://migrated.example/in", method: PUT }
`
  const bodies: Record<string, unknown> = {}
  const loaded = { ...parsePipeline(yaml, { file: `${project}pipeline.yaml`, env: {} }), baseDir: project }
  const pipeline = await createPipeline(loaded, {
    createDeliverer: (dest) =>
      createDeliverer({
        transport: createMemoryTransport((r) => {
          bodies[dest.id] = { method: r.method, url: r.url, body: JSON.parse(r.body!) }
          return { status: 200, headers: {}, body: undefined }
        }),
        options: resolveDeliveryOptions(),
      }),
  })
  try {
    expect(pipeline.destinations).toEqual([
      { id: 'old', source: '@acme/destination-echo@1.4.0', deletes: false },
      { id: 'new', source: '@acme/destination-echo@2.1.0', deletes: false },
      { id: 'migrated', source: '@acme/destination-echo@2.1.0', deletes: false },
    ])
    const outcomes = await pipeline.process([{ type: 'track', event: 'Ping', userId: 'u' }])
    expect(outcomes.map((o) => o.status)).toEqual(['delivered', 'delivered', 'delivered'])
    expect(bodies.old).toMatchObject({ url: 'https://old.example/in', body: { v: 1 } })
    expect(bodies.new).toMatchObject({
      method: 'POST',
      url: 'https://new.example/in',
      body: { v: 2, event: 'Ping' },
    })
    expect(bodies.migrated).toMatchObject({ method: 'PUT', body: { v: 2 } })
  } finally {
    await pipeline.close()
  }
})

it('runs a pipeline written for v1 on v2 when only v2 is installed, and says it migrated', async () => {
  const yaml = `
destinations:
  - id: legacy
    use: "@acme/destination-echo@^1"
    config: { url: "https://legacy.example/in" }
`
  // Only v2 is registered inline: the registry falls back to it through its migration.
  const v2 = (await import(`${project}node_modules/echo-v2/index.js`)).default
  const { PluginRegistry } = await import('../../src/index.ts')
  const seen: string[] = []
  const pipeline = await createPipeline(parsePipeline(yaml, { file: '/virtual/legacy.yaml', env: {} }), {
    registry: new PluginRegistry({ cwd: '/nonexistent' }).add(v2),
    createDeliverer: () =>
      createDeliverer({
        transport: createMemoryTransport((r) => {
          seen.push(r.url)
          return { status: 200, headers: {}, body: undefined }
        }),
        options: resolveDeliveryOptions(),
      }),
  })
  try {
    expect(pipeline.notices).toEqual([
      'migrated the config of step "destinations.legacy" from @acme/destination-echo@1 to @acme/destination-echo@2.1.0 (v1→v2)',
    ])
    await pipeline.process([{ type: 'track', event: 'Ping', userId: 'u' }])
    expect(seen).toEqual(['https://legacy.example/in'])
  } finally {
    await pipeline.close()
  }
})
