import type { PatchbayEvent } from '@patchbay/protocol'
import Type from 'typebox'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createPipeline,
  defineClientDestination,
  defineDestination,
  type Pipeline,
  PluginRegistry,
  parsePipeline,
} from '../../src/index.ts'
import { reply, startServer } from '../_server.ts'

// `pipeline.deliver`'s `proceed`: asked right before each request goes out. Once it answers
// false nothing more of the call is sent (the gateway's node whose lease on its jobs ran out
// while it was stopped must not send what another node took over), and every event not
// delivered fails with a retryable PB_DELIVERY_WITHHELD that says nothing was sent.

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

const hook = defineDestination({
  name: '@test/destination-hook',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({ url: Type.String() }),
  supports: ['track'],
  transform: (event, { config }) => ({ method: 'POST', url: `${config.url}/in`, body: event }),
})

const rows: string[][] = []
const table = defineClientDestination({
  name: '@test/destination-table',
  version: '1.0.0',
  apiVersion: 2,
  config: Type.Object({}),
  supports: ['track'],
  open: () => ({}),
  batch: () => ({ maxEvents: 2 }),
  deliverBatch: (batch) => {
    rows.push(batch.map((e) => e.messageId!))
    return batch.map(() => null)
  },
})

async function pipeline(destinations: string, singleAttempt = true): Promise<Pipeline> {
  const p = await createPipeline(
    parsePipeline(`destinations:\n${destinations}egress: { allow: ["127.0.0.1"] }\n`, {
      file: '/virtual/pipeline.yaml',
      env: {},
    }),
    { registry: new PluginRegistry({ cwd: process.cwd() }).add(hook).add(table), singleAttempt },
  )
  closers.push(() => p.close())
  return p
}

const events: PatchbayEvent[] = Array.from({ length: 5 }, (_, i) => ({
  type: 'track',
  event: 'Order Completed',
  messageId: `m${i}`,
  userId: `u${i}`,
}))

/** A `proceed` that lets `n` sends through, then refuses; counts how often it was asked. */
function allow(n: number) {
  const state = { asked: 0 }
  return { state, proceed: () => ++state.asked <= n }
}

describe('pipeline.deliver with proceed', () => {
  it('HTTP: sends nothing once proceed says no; the rest fail as withheld, retryable, not attempted', async () => {
    const server = await startServer((res) => reply(res, 200, '{}'))
    closers.push(server.close)
    const p = await pipeline(
      `  - id: hook\n    use: "@test/destination-hook"\n    config: { url: "${server.url}" }\n    delivery: { concurrency: 1 }\n`,
    )
    const gate = allow(2)
    const outcomes = await p.deliver('hook', events, { proceed: gate.proceed })
    expect(server.received.map((r) => JSON.parse(r.body).messageId)).toEqual(['m0', 'm1'])
    expect(outcomes.map((o) => o.status)).toEqual(['delivered', 'delivered', 'failed', 'failed', 'failed'])
    for (const o of outcomes.slice(2)) {
      expect(o).toMatchObject({
        status: 'failed',
        attempts: 0,
        error: {
          code: 'PB_DELIVERY_WITHHELD',
          retryable: true,
          message: expect.stringMatching(/not sent: the caller withdrew the request/),
        },
      })
    }
  })

  it('HTTP with retries: a retry proceed refuses is not sent and the outcome is withheld after one attempt', async () => {
    const server = await startServer((res) => reply(res, 503, '{}'))
    closers.push(server.close)
    const p = await pipeline(
      `  - id: hook\n    use: "@test/destination-hook"\n    config: { url: "${server.url}" }\n    delivery: { concurrency: 1, retry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2 } }\n`,
      false,
    )
    const gate = allow(1)
    const [outcome] = await p.deliver('hook', events.slice(0, 1), { proceed: gate.proceed })
    expect(server.received).toHaveLength(1)
    expect(outcome).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'PB_DELIVERY_WITHHELD', retryable: true },
    })
    expect(gate.state.asked).toBe(2)
  })

  it('HTTP: proceed that always says yes changes nothing (asked once per request)', async () => {
    const server = await startServer((res) => reply(res, 200, '{}'))
    closers.push(server.close)
    const p = await pipeline(
      `  - id: hook\n    use: "@test/destination-hook"\n    config: { url: "${server.url}" }\n`,
    )
    const gate = allow(Number.POSITIVE_INFINITY)
    const outcomes = await p.deliver('hook', events, { proceed: gate.proceed })
    expect(outcomes.every((o) => o.status === 'delivered')).toBe(true)
    expect(server.received).toHaveLength(5)
    expect(gate.state.asked).toBe(5)
  })

  it('client destinations: a batch proceed refuses never reaches the plugin', async () => {
    rows.length = 0
    const p = await pipeline(
      `  - id: table\n    use: "@test/destination-table"\n    delivery: { concurrency: 1 }\n`,
    )
    const gate = allow(1)
    const outcomes = await p.deliver('table', events, { proceed: gate.proceed })
    expect(rows).toEqual([['m0', 'm1']])
    expect(outcomes.map((o) => o.status)).toEqual(['delivered', 'delivered', 'failed', 'failed', 'failed'])
    for (const o of outcomes.slice(2))
      expect(o).toMatchObject({ error: { code: 'PB_DELIVERY_WITHHELD', retryable: true } })
  })

  it('a proceed that throws fails the call with its error and gives its concurrency slot back', async () => {
    rows.length = 0
    const server = await startServer((res) => reply(res, 200, '{}'))
    closers.push(server.close)
    const p = await pipeline(
      `  - id: hook\n    use: "@test/destination-hook"\n    config: { url: "${server.url}" }\n    delivery: { concurrency: 1 }\n` +
        `  - id: table\n    use: "@test/destination-table"\n    delivery: { concurrency: 1 }\n`,
    )
    const broken = () => {
      throw new Error('lease table unreadable')
    }
    for (const destination of ['hook', 'table'])
      await expect(p.deliver(destination, events.slice(0, 1), { proceed: broken })).rejects.toThrow(
        'lease table unreadable',
      )
    // With one slot each, these would wait forever had the throw kept it.
    const hook = await p.deliver('hook', events.slice(0, 2), { proceed: () => true })
    const table = await p.deliver('table', events.slice(0, 2), { proceed: () => true })
    expect([...hook, ...table].map((o) => o.status)).toEqual([
      'delivered',
      'delivered',
      'delivered',
      'delivered',
    ])
    expect(server.received).toHaveLength(2)
    expect(rows).toEqual([['m0', 'm1']])
  })
})
