import { describe, expect, it } from 'vitest'
import { type Delivered, post, startReceiver, useGateways, WRITE_KEY, waitFor } from './_gateway.ts'

const { start, track, tempDir } = useGateways()

/** Fast retries, so outages of a few hundred requests take a second or two. */
const FAST = { retry: { baseDelayMs: 10, maxDelayMs: 100, forMs: 60_000 }, delivery: { pollMs: 10 } }

const twoDestinations = (url: string) => `
name: outage
sources:
  - id: web
    writeKey: ${WRITE_KEY}
destinations:
  - id: ordered
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${url}/ordered" }
  - id: unordered
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${url}/unordered" }
egress: { allow: ["127.0.0.1"] }
gateway:
  destinations:
    ordered: { ordering: user }
`

const seq = (d: Delivered) => (d.body as { properties: { seq: number } }).properties.seq
const user = (d: Delivered) => (d.body as { userId: string }).userId
const id = (d: Delivered) => (d.body as { messageId: string }).messageId

describe('delivery through an outage', () => {
  it('delivers everything after 503s, then 429s with Retry-After; per-user order holds where enabled', async () => {
    // Down for the first 60 requests, then throttling with Retry-After: 1 for 20, then healthy.
    const receiver = track(
      await startReceiver((_req, n) =>
        n <= 60
          ? { status: 503 }
          : n <= 80
            ? { status: 429, headers: { 'retry-after': '1' } }
            : { status: 200 },
      ),
    )
    const g = await start(twoDestinations(receiver.url), FAST)
    const users = ['ada', 'bob', 'cyd']
    const sent: string[] = []
    for (let i = 0; i < 10; i++) {
      const batch = users.map((u) => ({
        type: 'track',
        event: 'Step',
        userId: u,
        messageId: `${u}-${i}`,
        properties: { seq: i },
      }))
      sent.push(...batch.map((e) => e.messageId))
      expect((await post(g, '/v1/batch', { batch })).status).toBe(200)
    }
    const delivered = (path: string) => receiver.received.filter((r) => r.path === path)
    await waitFor(
      () => delivered('/ordered').length >= 30 && delivered('/unordered').length >= 30,
      'every event at both destinations',
      30_000,
    )
    for (const path of ['/ordered', '/unordered'])
      expect(new Set(delivered(path).map(id))).toEqual(new Set(sent))

    // Ordered: for each user, no event was even attempted before the previous one was delivered.
    for (const u of users) {
      const attempts = receiver.answered.filter((r) => r.path === '/ordered' && user(r) === u)
      let next = 0
      for (const attempt of attempts) {
        expect(seq(attempt), `${u}: event ${seq(attempt)} attempted before ${next} was delivered`).toBe(next)
        if (attempt.status === 200) next++
      }
      expect(next).toBe(10)
    }
    // The outage did happen to both, and retries were counted.
    expect(receiver.answered.filter((r) => r.status === 503).length).toBe(60)
    expect(await g.metrics()).toMatch(
      /patchbay_deliveries_total\{destination="ordered",status="retried"\} [1-9]/,
    )
    // The receiver has everything; the gateway settles the last answers right after.
    await waitFor(async () => Object.keys((await g.stats()).jobs).length === 0, 'every job settled')
  })

  it('waits at least Retry-After before trying a throttled job again', async () => {
    const receiver = track(
      await startReceiver((_req, n) =>
        n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 },
      ),
    )
    const g = await start(
      twoDestinations(receiver.url).replace(/ {2}- id: unordered[\s\S]*?(?=egress)/, ''),
      FAST,
    )
    await post(g, '/v1/track', { userId: 'ada', event: 'A', messageId: 'm-1' })
    await waitFor(() => receiver.received.length === 1, 'the retried delivery', 10_000)
    const [first, second] = receiver.answered
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950)
  })
})

describe('dead letters', () => {
  it('aborts a 400 at once, and a 503 once the retry window closes, with the reason; replay delivers them', async () => {
    let healthy = false
    const receiver = track(
      await startReceiver((req) =>
        healthy ? { status: 200 } : { status: (req.body as { event: string }).event === 'Bad' ? 400 : 503 },
      ),
    )
    const g = await start(
      twoDestinations(receiver.url).replace(/ {2}- id: unordered[\s\S]*?(?=egress)/, ''),
      {
        ...FAST,
        retry: { baseDelayMs: 10, maxDelayMs: 50, forMs: 300 },
      },
    )
    await post(g, '/v1/batch', {
      batch: [
        { type: 'track', event: 'Bad', userId: 'ada', messageId: 'm-bad' },
        { type: 'track', event: 'Down', userId: 'bob', messageId: 'm-down' },
      ],
    })
    await waitFor(async () => (await g.deadLetters.count()) === 2, 'two dead letters', 10_000)
    const letters = await g.deadLetters.list()
    const bad = letters.find((l) => l.messageId === 'm-bad')!
    const down = letters.find((l) => l.messageId === 'm-down')!
    expect(bad).toMatchObject({
      destinationId: 'ordered',
      attempts: 1,
      reason: expect.stringContaining('400'),
    })
    expect(down.reason).toMatch(
      /^gave up after \d+ attempts over the 300 ms retry window; last error PB_DELIVERY_RETRYABLE/,
    )
    expect(down.attempts).toBeGreaterThan(1)
    expect(await g.metrics()).toContain('patchbay_dead_letters{destination="ordered"} 2')

    healthy = true
    expect(await g.deadLetters.replay({ destinationId: 'ordered' }, Date.now())).toBe(2)
    await waitFor(() => receiver.received.length === 2, 'the replayed deliveries')
    expect(await g.deadLetters.count()).toBe(0)
  })
})

describe('a destination removed from the pipeline', () => {
  it('turns its queued jobs into dead letters at the next start, so they neither wait forever nor block ingestion', async () => {
    const receiver = track(await startReceiver(() => ({ status: 503 })))
    const dataDir = tempDir()
    const both = twoDestinations(receiver.url)
    const first = await start(both, { ...FAST, dataDir })
    await post(first, '/v1/track', { userId: 'ada', event: 'A', messageId: 'm-1' })
    await waitFor(async () => ((await first.stats()).jobs.unordered?.retrying ?? 0) === 1, 'a retrying job')
    await first.close()
    const onlyOrdered = both.replace(/ {2}- id: unordered[\s\S]*?(?=egress)/, '')
    const second = await start(onlyOrdered, { ...FAST, dataDir })
    expect((await second.stats()).jobs.unordered).toBeUndefined()
    expect(await second.deadLetters.list({ destinationId: 'unordered' })).toEqual([
      expect.objectContaining({
        messageId: 'm-1',
        reason: 'destination "unordered" is no longer in the pipeline',
      }),
    ])
    expect(second.logs.map((l) => l.message)).toContainEqual(
      expect.stringContaining(
        '1 queued jobs of destination "unordered", which the pipeline no longer has, are now dead letters',
      ),
    )
  })
})

describe('backpressure', () => {
  it('answers 503 with Retry-After once the queue is full, and accepts again when it drains', async () => {
    let up = false
    const receiver = track(await startReceiver(() => ({ status: up ? 200 : 503 })))
    const g = await start(
      twoDestinations(receiver.url).replace(/ {2}- id: unordered[\s\S]*?(?=egress)/, ''),
      {
        ...FAST,
        backpressure: { maxQueued: 5, retryAfterSeconds: 7 },
      },
    )
    const batch = Array.from({ length: 5 }, (_, i) => ({
      type: 'track',
      event: 'A',
      userId: `u${i}`,
      messageId: `m-${i}`,
    }))
    expect((await post(g, '/v1/batch', { batch })).status).toBe(200)
    const full = await post(g, '/v1/track', { userId: 'late', event: 'A' })
    expect(full.status).toBe(503)
    expect(full.headers.get('retry-after')).toBe('7')
    expect(full.body.error).toMatchObject({
      code: 'PB_GATEWAY_OVERLOADED',
      message: expect.stringContaining('limit 5'),
    })
    expect(await g.metrics()).toContain('reason="backpressure"} 1')
    up = true
    await waitFor(() => receiver.received.length === 5, 'the queue to drain')
    await waitFor(async () => Object.keys((await g.stats()).jobs).length === 0, 'the jobs to settle')
    expect((await post(g, '/v1/track', { userId: 'late', event: 'A' })).status).toBe(200)
  })
})

describe('graceful shutdown', () => {
  it('stops accepting, finishes the delivery in flight, and delivers the rest after a restart, once each', async () => {
    const receiver = track(await startReceiver(() => ({ status: 200, delayMs: 150 })))
    const yaml = twoDestinations(receiver.url).replace(/ {2}- id: unordered[\s\S]*?(?=egress)/, '')
    const dataDir = tempDir()
    const g = await start(yaml, { ...FAST, dataDir })
    // One user, ordered: one delivery in flight at a time.
    const batch = Array.from({ length: 20 }, (_, i) => ({
      type: 'track',
      event: 'A',
      userId: 'u',
      messageId: `m-${i}`,
    }))
    expect((await post(g, '/v1/batch', { batch })).status).toBe(200)
    await waitFor(async () => (await g.stats()).jobs.ordered?.in_flight === 1, 'a delivery in flight')
    await g.close()
    await expect(fetch(`${g.url}/health`)).rejects.toThrow()
    const beforeRestart = receiver.answered.length
    expect(beforeRestart).toBeGreaterThanOrEqual(1)
    expect(beforeRestart).toBeLessThan(20)

    const again = await start(yaml, { ...FAST, dataDir })
    await waitFor(() => receiver.received.length === 20, 'all 20 events', 15_000)
    // The one in flight at the stop was finished and settled: nothing was delivered twice.
    expect(receiver.received.map(id)).toEqual(batch.map((e) => e.messageId))
    expect(again.logs.some((l) => l.message.includes('in flight at the last stop'))).toBe(false)
  })
})
