import { describe, expect, it } from 'vitest'
import { post, startReceiver, useGateways, waitFor, webhookPipeline } from './_gateway.ts'

const { start, track } = useGateways()

describe('sandboxed user code in the gateway', () => {
  it('runs off the ingest path: a transform that hangs or throws fails only its own events', async () => {
    const receiver = track(await startReceiver())
    const yaml = `${webhookPipeline(receiver.url, {
      transformations: 'transformations:\n  - id: user\n    code: ./test/fixtures/poison.js',
    })}\nsandbox: { cpuTimeMs: 500, wallTimeMs: 2000 }\n`
    const g = await start(yaml)
    const ev = (name: string, i: number) => ({
      type: 'track',
      event: name,
      userId: `u${i}`,
      messageId: `${name}-${i}`,
    })
    const first = await post(g, '/v1/batch', {
      batch: [ev('Ok', 1), ev('Hang', 2), ev('Ok', 3), ev('Crash', 4), ev('Ok', 5)],
    })
    expect(first.status).toBe(200)
    // Ingestion goes on while the processor deals with the hanging isolate.
    for (let i = 6; i < 16; i++) expect((await post(g, '/v1/track', ev('Ok', i))).status).toBe(200)

    await waitFor(() => receiver.received.length === 13, '13 deliveries (all but Hang and Crash)', 20_000)
    const ids = receiver.received.map((r) => (r.body as { messageId: string }).messageId)
    expect(ids).not.toContain('Hang-2')
    expect(ids).not.toContain('Crash-4')
    expect(
      receiver.received.every(
        (r) => (r.body as { properties: { transformed: boolean } }).properties.transformed,
      ),
    ).toBe(true)
    const warnings = g.logs.filter((l) => l.level === 'warn').map((l) => l.message)
    // Hang takes the sandbox down (its CPU limit): it is tried again alone, then dead-lettered.
    expect(warnings).toContainEqual(
      expect.stringMatching(
        /event Hang-2 from source web took the sandbox down at transformations\.user \(attempt 1 of 3\)/,
      ),
    )
    await waitFor(
      () =>
        g.logs.some((l) =>
          /event Hang-2 from source web failed at transformations.user: PB_SANDBOX_POISON after 3 attempt/.test(
            l.message,
          ),
        ),
      'Hang-2 dead-lettered after 3 attempts',
      20_000,
    )
    expect(warnings).toContainEqual(expect.stringContaining('boom: cannot handle this event'))
    expect(warnings.some((w) => w.includes('Ok-'))).toBe(false)
    expect((await post(g, '/v1/track', { userId: 'u', event: 'Log', messageId: 'log-1' })).status).toBe(200)
    await waitFor(
      () => g.logs.some((l) => l.message === 'hello from user code: log-1'),
      'the console.log of the user code in the gateway log',
    )
    expect(g.logs.find((l) => l.message === 'hello from user code: log-1')?.scope).toContain('user')
    expect(await g.metrics()).toContain(
      'patchbay_events_stopped_total{source="web",status="failed",step="transformations.user"} 2',
    )
  })

  it('bisects a transformBatch that throws: the event that makes it throw fails alone, its neighbours go on', async () => {
    const receiver = track(await startReceiver())
    const g = await start(
      webhookPipeline(receiver.url, {
        transformations: 'transformations:\n  - id: user\n    code: ./test/fixtures/batch-throws.js',
      }),
    )
    const ev = (i: number, bad = false) => ({
      type: 'track',
      event: 'Order',
      userId: `u${i}`,
      messageId: `m-${i}`,
      properties: bad ? { bad: true } : {},
    })
    const batch = [ev(1), ev(2), ev(3, true), ev(4), ev(5), ev(6), ev(7)]
    expect((await post(g, '/v1/batch', { batch })).status).toBe(200)

    await waitFor(() => receiver.received.length === 6, 'the 6 events around m-3 delivered', 20_000)
    const delivered = receiver.received.map((r) => r.body as { messageId: string; properties: object })
    expect(delivered.map((e) => e.messageId).sort()).toEqual(['m-1', 'm-2', 'm-4', 'm-5', 'm-6', 'm-7'])
    expect(delivered.every((e) => (e.properties as { transformed?: boolean }).transformed)).toBe(true)
    await waitFor(
      () =>
        g.logs.some(
          (l) =>
            l.message.includes('event m-3 from source web failed at transformations.user') &&
            l.message.includes('transformBatch threw Error: cannot handle m-3'),
        ),
      'm-3 failed alone, with the error its batch threw',
    )
    // Only m-3 failed: its neighbours were never reported as failed.
    expect(g.logs.some((l) => /event m-[124567] .*failed/.test(l.message))).toBe(false)
    expect(await g.metrics()).toContain(
      'patchbay_events_stopped_total{source="web",status="failed",step="transformations.user"} 1',
    )
  })
})
