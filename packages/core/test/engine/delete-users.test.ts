import Type from 'typebox'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createPipeline,
  defineDestination,
  identifiersOf,
  type Pipeline,
  PluginRegistry,
  parsePipeline,
  Secret,
} from '../../src/index.ts'
import { reply, startServer } from '../_server.ts'
import { thrown } from '../_thrown.ts'

const TOKEN = 'tok_secret_0123456789'
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

const crm = (deleteUsers?: (ids: ReadonlyArray<{ type: string; value: string }>, base: string) => unknown) =>
  defineDestination({
    name: '@test/destination-crm',
    version: '1.0.0',
    apiVersion: 3,
    config: Type.Object({ url: Type.String(), token: Secret(Type.String()) }),
    supports: ['track'],
    transform: (event, { config }) => ({
      method: 'POST',
      url: `${(config as { url: string }).url}/events`,
      body: event,
    }),
    ...(deleteUsers
      ? {
          deleteUsers: (identifiers, { config }) =>
            deleteUsers(identifiers, (config as { url: string }).url) as never,
        }
      : {}),
  })

async function pipelineWith(plugin: ReturnType<typeof crm>, url: string): Promise<Pipeline> {
  const p = await createPipeline(
    parsePipeline(
      `destinations:
  - id: crm
    use: "@test/destination-crm"
    config: { url: "${url}", token: "${TOKEN}" }
egress: { allow: ["127.0.0.1"] }
`,
      { file: '/virtual/pipeline.yaml', env: {} },
    ),
    { registry: new PluginRegistry({ cwd: process.cwd() }).add(plugin), singleAttempt: true },
  )
  closers.push(() => p.close())
  return p
}

describe('deleteUsers (plugin API 3)', () => {
  it('sends the requests the hook returns; a retryable failure says so; unsupported without a hook', async () => {
    let status = 503
    const server = await startServer((res) => reply(res, status, '{}'))
    closers.push(server.close)
    const p = await pipelineWith(
      crm((ids, base) => ({
        method: 'POST',
        url: `${base}/gdpr?token=${TOKEN}`,
        body: { ids: ids.map((i) => i.value) },
      })),
      server.url,
    )
    expect(p.destinations).toMatchObject([{ id: 'crm', deletes: true }])
    const identifiers = [{ type: 'userId', value: 'u1' }]
    const failed = await p.deleteUsers('crm', identifiers)
    expect(failed).toMatchObject({ status: 'failed', error: { retryable: true } })
    expect(JSON.stringify(failed)).not.toContain(TOKEN)
    status = 200
    expect(await p.deleteUsers('crm', identifiers)).toEqual({ status: 'done', requests: 1 })
    expect(JSON.parse(server.received.at(-1)!.body)).toEqual({ ids: ['u1'] })
    status = 400
    expect(await p.deleteUsers('crm', identifiers)).toMatchObject({
      status: 'failed',
      error: { retryable: false },
    })

    const none = await pipelineWith(crm(), server.url)
    expect(none.destinations[0]!.deletes).toBe(false)
    expect(await none.deleteUsers('crm', identifiers)).toEqual({ status: 'unsupported' })
  })

  it('a hook that throws or returns a bad request fails the deletion, not the host', async () => {
    const throws = await pipelineWith(
      crm(() => {
        throw new Error(`cannot map ${TOKEN}`)
      }),
      'http://127.0.0.1:9',
    )
    const out = await throws.deleteUsers('crm', [{ type: 'userId', value: 'u1' }])
    expect(out).toMatchObject({ status: 'failed', error: { code: 'PB_TRANSFORM_FAILED', retryable: false } })
    expect(JSON.stringify(out)).not.toContain(TOKEN)
    const bad = await pipelineWith(
      crm(() => ({ method: 'POST', url: '/relative' })),
      'http://127.0.0.1:9',
    )
    expect(await bad.deleteUsers('crm', [{ type: 'userId', value: 'u1' }])).toMatchObject({
      status: 'failed',
    })
  })

  it('needs apiVersion 3, so an older core refuses the plugin rather than ignore deletions', () => {
    const error = thrown(() =>
      defineDestination({
        name: '@test/old',
        version: '1.0.0',
        apiVersion: 2,
        config: Type.Object({}),
        supports: ['track'],
        transform: () => null,
        deleteUsers: () => null,
      }),
    )
    expect(error).toMatchObject({ code: 'PB_PLUGIN_INVALID' })
    expect(error.message).toContain('needs plugin API 3')
  })

  it('identifiersOf reads userId, anonymousId and traits from traits and context.traits', () => {
    const event = {
      userId: 'u1',
      anonymousId: 'a1',
      traits: { email: 'a@b.c' },
      context: { traits: { email: 'd@e.f', phone: 1 } },
    }
    expect(identifiersOf(event, ['userId', 'anonymousId', 'email', 'phone'])).toEqual([
      { type: 'userId', value: 'u1' },
      { type: 'anonymousId', value: 'a1' },
      { type: 'email', value: 'a@b.c' },
      { type: 'email', value: 'd@e.f' },
    ])
  })
})
