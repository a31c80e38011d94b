import Type from 'typebox'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createPipeline,
  defineSource,
  type LogRecord,
  type Pipeline,
  PluginRegistry,
  prepareSources,
  route,
  Secret,
  UnsupportedEventError,
} from '../../src/index.ts'
import { pipeline, registry } from './_plugins.ts'

// The source and route stages, each callable on its own (the gateway and the CLI use them).

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()))
})

const sourceV2 = defineSource({
  name: '@test/source-tagged',
  version: '2.0.0',
  apiVersion: 1,
  config: Type.Object({ label: Type.String(), token: Secret(Type.String()) }),
  migrations: { 2: (v1) => ({ label: v1.tag, token: v1.token }) },
  parse(request, { config, logger }) {
    logger.info(`token ${config.token}`)
    if ((request.body as { fail?: boolean }).fail) throw new Error(`token ${config.token} is refused`)
    return {
      events: [{ type: 'track', event: 'Tagged', anonymousId: 'a', properties: { label: config.label } }],
    }
  },
  async *readLines(lines, { config }) {
    for await (const line of lines) {
      if (line === 'boom') throw new Error(`line with ${config.token}`)
      yield [{ type: 'track', event: line, anonymousId: config.label }]
    }
  },
})

const request = (body: unknown) => ({ method: 'POST', url: '/in', headers: {}, query: {}, body })

describe('prepareSources', () => {
  const yaml = `
sources:
  - id: sdk
    writeKey: wk-1
  - id: tagged
    use: "@test/source-tagged@^1"
    config: { tag: from-v1, token: tok-s3cret }
destinations:
  - id: crm
    use: "@test/destination-collect@1"
    config: { url: "http://127.0.0.1:9/crm", token: "tok_secret_1234" }
`
  it('migrates a source config written for v1 to the installed v2, and says so', async () => {
    const logs: LogRecord[] = []
    const { sources, notices } = await prepareSources(pipeline(yaml), {
      registry: new PluginRegistry({ cwd: '/nonexistent' }).add(sourceV2),
      logSink: (r) => logs.push(r),
    })
    expect(sources.map((s) => [s.id, s.plugin ?? null, s.writeKey ?? null, typeof s.parse])).toEqual([
      ['sdk', null, 'wk-1', 'undefined'],
      ['tagged', '@test/source-tagged@2.0.0', null, 'function'],
    ])
    expect(notices).toEqual([
      'migrated the config of step "sources.tagged" from @test/source-tagged@1 to @test/source-tagged@2.0.0 (v1→v2)',
    ])
    const tagged = sources[1]!
    expect((await tagged.parse!(request({}))).events).toEqual([
      { type: 'track', event: 'Tagged', anonymousId: 'a', properties: { label: 'from-v1' } },
    ])
    // Its logger and its errors redact the step's secrets.
    await expect(tagged.parse!(request({ fail: true }))).rejects.toThrow('token [redacted] is refused')
    expect(logs.find((l) => l.scope === 'sources.tagged')?.message).toBe('token [redacted]')
    async function* lines() {
      yield 'one'
      yield 'boom'
    }
    const read: unknown[][] = []
    await expect(
      (async () => {
        for await (const batch of tagged.readLines!(lines(), 'stdin')) read.push(batch)
      })(),
    ).rejects.toThrow('line with [redacted]')
    expect(read).toEqual([[{ type: 'track', event: 'one', anonymousId: 'from-v1' }]])
  })

  it('prepares only the sources asked for, and refuses a bad config naming the step', async () => {
    const reg = () => new PluginRegistry({ cwd: '/nonexistent' }).add(sourceV2)
    const only = await prepareSources(pipeline(yaml), { registry: reg(), only: ['sdk'] })
    expect(only.sources.map((s) => s.id)).toEqual(['sdk'])
    const bad = yaml.replace('tag: from-v1', 'tag: [1]')
    await expect(prepareSources(pipeline(bad), { registry: reg() })).rejects.toThrow(/sources\.tagged/)
  })
})

describe('route', () => {
  it('decides per destination: integrations, then filter, then supports; pure and in order', async () => {
    const p: Pipeline = await createPipeline(
      pipeline(`
destinations:
  - id: crm
    use: "@test/destination-collect@1"
    config: { url: "http://127.0.0.1:9/crm", token: "tok_secret_1234" }
  - id: only-signups
    use: "@test/destination-collect@1"
    config: { url: "http://127.0.0.1:9/b", token: "tok_secret_1234" }
    filter: { events: [Signed Up] }
`),
      { registry: registry() },
    )
    open.push(p)
    const track = { type: 'track', event: 'Order', anonymousId: 'a', messageId: 'm1' } as const
    expect(p.route(track as never)).toEqual([
      { destination: 'crm', status: 'routed' },
      { destination: 'only-signups', status: 'dropped', reason: 'filter' },
    ])
    expect(route({ ...track, integrations: { All: false } } as never, p.routes)).toEqual([
      { destination: 'crm', status: 'dropped', reason: 'integrations' },
      { destination: 'only-signups', status: 'dropped', reason: 'integrations' },
    ])
    // The step id is more specific than the plugin's name, whatever the order of the keys.
    for (const integrations of [
      { collect: true, CRM: false },
      { crm: false, collect: true },
    ])
      expect(p.route({ ...track, integrations } as never)).toEqual([
        { destination: 'crm', status: 'dropped', reason: 'integrations' },
        { destination: 'only-signups', status: 'dropped', reason: 'filter' },
      ])
    expect(p.route({ ...track, integrations: { All: false, Collect: true } } as never)).toEqual([
      { destination: 'crm', status: 'routed' },
      { destination: 'only-signups', status: 'dropped', reason: 'filter' },
    ])
    const [crm] = p.route({ type: 'page', anonymousId: 'a', messageId: 'm2' } as never)
    expect(crm).toMatchObject({ destination: 'crm', status: 'failed' })
    const error = (crm as { error: UnsupportedEventError }).error
    expect(error).toBeInstanceOf(UnsupportedEventError)
    expect(error.message).toBe(
      'destinations.crm (@test/destination-collect@1.0.0) does not support page events',
    )
  })
})
