import Type from 'typebox'
import { afterEach, describe, expect, it } from 'vitest'
import {
  AbortedError,
  createPipeline,
  defineClientDestination,
  type Pipeline,
  PluginRegistry,
  parsePipeline,
  RetryableError,
  Secret,
} from '../../src/index.ts'

/** A fake database: remembers rows, and fails events by name the way a driver would. */
function fakeDb() {
  const state = { opened: 0, closed: 0, rows: [] as string[], calls: [] as number[], openFailures: 0 }
  const plugin = defineClientDestination({
    name: '@test/destination-db',
    version: '1.0.0',
    apiVersion: 2,
    config: Type.Object({ url: Secret(Type.String()) }),
    supports: ['track'],
    open: (config) => {
      if (state.openFailures > 0) {
        state.openFailures--
        throw Object.assign(new Error(`connect ECONNREFUSED ${config.url}`), { code: 'ECONNREFUSED' })
      }
      state.opened++
      return { url: config.url }
    },
    close: () => {
      state.closed++
    },
    classify: (error) => {
      const e = error as { code?: string; message: string }
      return e.code === 'EACCES'
        ? new AbortedError(`permission denied: ${e.message}`)
        : new RetryableError(`database unavailable: ${e.message}`)
    },
    batch: () => ({ maxEvents: 2 }),
    deliverBatch: (events, { client }) => {
      state.calls.push(events.length)
      if (events.some((e) => e.event === 'Denied'))
        throw Object.assign(new Error(`no access for ${client.url}`), { code: 'EACCES' })
      return events.map((e) => {
        if (e.event === 'Flaky' && state.calls.length < 3) return new RetryableError('lock timeout')
        if (e.event === 'Bad') return new AbortedError('value out of range')
        if (e.event === 'Skip') return { dropped: 'not wanted' }
        state.rows.push(e.messageId!)
        return null
      })
    },
  })
  return { plugin, state }
}

const open: Pipeline[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()))
})

const URL_SECRET = 'postgres://loader:hunter2-secret@db.internal/warehouse'

async function pipelineWith(plugin: ReturnType<typeof fakeDb>['plugin'], singleAttempt = false) {
  const p = await createPipeline(
    parsePipeline(
      `destinations:
  - id: db
    use: "@test/destination-db"
    config: { url: "${URL_SECRET}" }
    delivery: { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } }
`,
      { file: '/virtual/pipeline.yaml', env: {} },
    ),
    { registry: new PluginRegistry({ cwd: process.cwd() }).add(plugin), singleAttempt },
  )
  open.push(p)
  return p
}

const track = (id: string, event = 'Order Completed') => ({
  type: 'track',
  event,
  messageId: id,
  userId: 'u1',
})

describe('client destinations', () => {
  it('opens one client for many batches, delivers per event and closes once', async () => {
    const { plugin, state } = fakeDb()
    const p = await pipelineWith(plugin)
    const outcomes = await p.process([
      track('a'),
      track('b'),
      track('c'),
      track('d', 'Skip'),
      track('e', 'Bad'),
    ])
    expect(outcomes.map((o) => [o.messageId, o.status])).toEqual([
      ['a', 'delivered'],
      ['b', 'delivered'],
      ['c', 'delivered'],
      ['d', 'dropped'],
      ['e', 'failed'],
    ])
    expect(outcomes[4]!.error).toMatchObject({ code: 'PB_DELIVERY_ABORTED', retryable: false })
    expect(state.calls).toEqual([2, 2, 1])
    await p.process([track('f')])
    expect(state.opened).toBe(1)
    await p.close()
    await p.close()
    expect(state.closed).toBe(1)
    expect(state.rows).toEqual(['a', 'b', 'c', 'f'])
  })

  it('retries only the retryable events of a batch, with the retry policy', async () => {
    const { plugin, state } = fakeDb()
    const p = await pipelineWith(plugin)
    const outcomes = await p.process([track('a'), track('b', 'Flaky')])
    expect(outcomes.map((o) => [o.status, o.attempts])).toEqual([
      ['delivered', 1],
      ['delivered', 3],
    ])
    expect(state.calls).toEqual([2, 1, 1])
    expect(state.rows).toEqual(['a', 'b'])
  })

  it('gives up after maxAttempts with PB_DELIVERY_EXHAUSTED; redacts the connection string', async () => {
    const { plugin, state } = fakeDb()
    state.openFailures = 10
    const p = await pipelineWith(plugin)
    const [outcome] = await p.process([track('a')])
    expect(outcome).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'PB_DELIVERY_EXHAUSTED' } })
    expect(outcome!.error!.message).toContain('ECONNREFUSED')
    expect(JSON.stringify(outcome)).not.toContain('hunter2')
  })

  it('opens the client again after an open that failed', async () => {
    const { plugin, state } = fakeDb()
    state.openFailures = 1
    const p = await pipelineWith(plugin, true)
    const [first] = await p.deliver('db', [track('a') as never])
    expect(first).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'PB_DELIVERY_RETRYABLE', retryable: true },
    })
    const [second] = await p.deliver('db', [track('a') as never])
    expect(second).toMatchObject({ status: 'delivered' })
    expect(state.opened).toBe(1)
  })

  it('classifies what the driver threw with the plugin classify hook, secrets redacted', async () => {
    const { plugin } = fakeDb()
    const p = await pipelineWith(plugin)
    const outcomes = await p.process([track('a'), track('b', 'Denied')])
    expect(outcomes.map((o) => o.error?.code)).toEqual(['PB_DELIVERY_ABORTED', 'PB_DELIVERY_ABORTED'])
    expect(outcomes[0]!.attempts).toBe(1)
    expect(JSON.stringify(outcomes)).not.toContain('hunter2')
    expect(outcomes[0]!.error!.message).toContain('[redacted]')
  })

  it('with single attempts, reports a retryable failure as it is for the caller to schedule', async () => {
    const { plugin } = fakeDb()
    const p = await pipelineWith(plugin, true)
    const [outcome] = await p.deliver('db', [track('b', 'Flaky') as never])
    expect(outcome).toMatchObject({ status: 'failed', attempts: 1, error: { retryable: true } })
  })

  it('refuses a client destination that declares plugin API 1', () => {
    expect(() =>
      defineClientDestination({
        name: '@test/old',
        version: '1.0.0',
        apiVersion: 1,
        config: Type.Object({}),
        supports: ['track'],
        open: () => ({}),
        deliverBatch: (events) => events.map(() => null),
      }),
    ).toThrow(/plugin API 2 or later/)
  })
})

describe('client destinations: deleteUsers (plugin API 3)', () => {
  /** fakeDb with a deleteUsers hook that deletes rows through the client deliverBatch used. */
  function deletingDb(failures: Array<{ code: string; message: string }> = []) {
    const { plugin: base, state } = fakeDb()
    const seen: unknown[] = []
    const plugin = defineClientDestination({
      ...(base as unknown as Parameters<typeof defineClientDestination>[0]),
      apiVersion: 3,
      deleteUsers: (identifiers, { client }) => {
        seen.push(client)
        const failure = failures.shift()
        if (failure)
          throw Object.assign(new Error(`${failure.message} at ${(client as { url: string }).url}`), failure)
        const gone = new Set(identifiers.map((i) => i.value))
        state.rows = state.rows.filter((r) => !gone.has(r))
      },
    }) as unknown as ReturnType<typeof fakeDb>['plugin']
    return { plugin, state, seen }
  }

  it('deletes through the client the batches used, opened once', async () => {
    const { plugin, state, seen } = deletingDb()
    const p = await pipelineWith(plugin)
    await p.deliver('db', [track('a', 'Ok'), track('b', 'Ok')] as never)
    expect(p.destinations).toEqual([{ id: 'db', source: '@test/destination-db@1.0.0', deletes: true }])
    expect(await p.deleteUsers('db', [{ type: 'userId', value: 'a' }])).toEqual({
      status: 'done',
      requests: 0,
    })
    expect(state.rows).toEqual(['b'])
    expect(state.opened).toBe(1)
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ url: URL_SECRET })
  })

  it('retries a retryable failure with the retry policy; one attempt for the gateway; secrets redacted', async () => {
    const flaky = deletingDb([{ code: 'ECONNRESET', message: 'reset' }])
    expect(
      await (await pipelineWith(flaky.plugin)).deleteUsers('db', [{ type: 'userId', value: 'a' }]),
    ).toEqual({
      status: 'done',
      requests: 0,
    })
    expect(flaky.seen).toHaveLength(2)

    const once = deletingDb([{ code: 'ECONNRESET', message: 'reset' }])
    const outcome = await (await pipelineWith(once.plugin, true)).deleteUsers('db', [
      { type: 'userId', value: 'a' },
    ])
    expect(outcome).toMatchObject({ status: 'failed', error: { retryable: true } })
    expect(JSON.stringify(outcome)).not.toContain('hunter2')

    const refused = deletingDb([{ code: 'EACCES', message: 'denied' }])
    expect(
      await (await pipelineWith(refused.plugin)).deleteUsers('db', [{ type: 'userId', value: 'a' }]),
    ).toMatchObject({
      status: 'failed',
      error: { retryable: false },
    })
    expect(refused.seen).toHaveLength(1)
  })

  it('refuses a client destination with deleteUsers that declares plugin API 2', () => {
    expect(() =>
      defineClientDestination({
        name: '@test/old',
        version: '1.0.0',
        apiVersion: 2,
        config: Type.Object({}),
        supports: ['track'],
        open: () => ({}),
        deliverBatch: (events) => events.map(() => null),
        deleteUsers: () => undefined,
      }),
    ).toThrow(/needs plugin API 3/)
  })
})
