import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { post, startReceiver, useGateways, WRITE_KEY, waitFor } from './_gateway.ts'
import { createTestDatabase } from './store/_postgres.ts'

const { start, track } = useGateways()
const TOKEN = 'admin_token_0123456789abcdef'
let database: Awaited<ReturnType<typeof createTestDatabase>>
beforeAll(async () => {
  database = await createTestDatabase('regulations_nodes')
})
afterAll(async () => {
  await database?.drop()
})

const pipeline = (url: string) => `
name: test
sources:
  - id: web
    writeKey: ${WRITE_KEY}
destinations:
  - id: hook
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${url}/events", deletion: { url: "${url}/deletions" } }
egress: { allow: ["127.0.0.1"] }
`

describe('regulations on two nodes sharing a PostgreSQL store', () => {
  it('a regulation made on one node applies on the other within refreshMs; its deletion runs once', async () => {
    const receiver = track(await startReceiver())
    const options = {
      adminToken: TOKEN,
      store: database.url,
      postgres: { statsMaxAgeMs: 0, poolSize: 4 },
      regulations: { refreshMs: 100 },
      retry: { baseDelayMs: 20, maxDelayMs: 100 },
      delivery: { pollMs: 20 },
    }
    const a = await start(pipeline(receiver.url), options)
    const b = await start(pipeline(receiver.url), options)
    const made = await a.regulations.create({
      type: 'suppress_with_delete',
      identifiers: [{ type: 'anonymousId', value: 'anon-1' }],
    })
    expect(made.deletions).toMatchObject([{ destinationId: 'hook', status: 'pending' }])
    // Past the documented staleness, node B drops the user's events too.
    await new Promise((r) => setTimeout(r, 300))
    expect(
      (
        await post(b, '/v1/batch', {
          batch: [
            { type: 'page', anonymousId: 'anon-1', messageId: 'on-b' },
            { type: 'page', anonymousId: 'anon-2', messageId: 'other' },
          ],
        })
      ).status,
    ).toBe(200)
    await waitFor(() => receiver.received.some((r) => r.path === '/events'), 'the other user’s event')
    await waitFor(
      async () => (await b.regulations.get(made.id))?.deletions[0]?.status === 'done',
      'the deletion done',
    )
    await new Promise((r) => setTimeout(r, 200))
    expect(
      receiver.received
        .filter((r) => r.path === '/events')
        .map((r) => (r.body as { messageId: string }).messageId),
    ).toEqual(['other'])
    expect(receiver.received.filter((r) => r.path === '/deletions')).toHaveLength(1)
    expect(await b.metrics()).toMatch(/patchbay_events_suppressed_total\{source="web",where="ingest"\} 1/)

    // Removed on B: A accepts the user again within refreshMs.
    expect(await b.regulations.remove(made.id)).toBe(true)
    await new Promise((r) => setTimeout(r, 300))
    await post(a, '/v1/track', { type: 'track', event: 'E', anonymousId: 'anon-1', messageId: 'back' })
    await waitFor(
      () => receiver.received.some((r) => (r.body as { messageId?: string }).messageId === 'back'),
      'the user back',
    )
  })
})
