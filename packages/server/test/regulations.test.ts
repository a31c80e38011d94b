import { describe, expect, it } from 'vitest'
import { post, startReceiver, useGateways, WRITE_KEY, waitFor } from './_gateway.ts'

const { start, track, tempDir } = useGateways()
const TOKEN = 'admin_token_0123456789abcdef'

async function admin(
  url: string,
  path: string,
  init: { method?: string; body?: unknown; token?: string } = {},
) {
  const res = await fetch(`${url}/admin/${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${init.token ?? TOKEN}`, 'content-type': 'application/json' },
    ...(init.body === undefined
      ? {}
      : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  })
  // biome-ignore lint/suspicious/noExplicitAny: test responses are read field by field
  return { status: res.status, body: (await res.json()) as any }
}

/** Two webhook destinations: `hook` can delete (deletion.url), `plain` has no deletion request. */
function pipeline(url: string) {
  return `
name: test
sources:
  - id: web
    writeKey: ${WRITE_KEY}
destinations:
  - id: hook
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${url}/events", deletion: { url: "${url}/deletions" } }
  - id: plain
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${url}/plain" }
egress: { allow: ["127.0.0.1"] }
`
}

const FAST_RETRY = { baseDelayMs: 20, maxDelayMs: 100, forMs: 60_000 }
const track_ = (userId: string, messageId: string, extra: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Clicked',
  userId,
  messageId,
  ...extra,
})

describe('regulations through the admin API', () => {
  it('refuses bad input with 400s that say what to send, and needs the token', async () => {
    const receiver = track(await startReceiver())
    const g = await start(pipeline(receiver.url), { adminToken: TOKEN })
    const cases: Array<[unknown, string]> = [
      [{ identifiers: [{ type: 'userId', value: 'u1' }] }, 'type'],
      [{ type: 'forget', identifiers: [{ type: 'userId', value: 'u1' }] }, '/type'],
      [{ type: 'suppress', identifiers: [] }, '/identifiers'],
      [{ type: 'suppress', identifiers: [{ type: 'userId', value: '' }] }, '/identifiers/0/value'],
      [{ type: 'suppress', identifiers: [{ type: 'phone', value: '+331' }] }, 'regulations.traits'],
      [{ type: 'suppress', identifiers: [{ type: 'userId', value: 'u1' }], extra: 1 }, 'extra'],
    ]
    for (const [body, hint] of cases) {
      const res = await admin(g.url, 'regulations', { method: 'POST', body })
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.error.code).toBe('PB_GATEWAY_REGULATION_INVALID')
      expect(res.body.error.message).toContain(hint === 'extra' ? '/' : hint)
    }
    expect((await admin(g.url, 'regulations', { method: 'POST', body: '{"type":' })).status).toBe(400)
    expect((await admin(g.url, 'regulations', { token: 'admin_token_wrong_456789abcdef' })).status).toBe(401)
    expect((await admin(g.url, 'regulations/7')).status).toBe(404)
    expect((await admin(g.url, 'regulations/7', { method: 'DELETE' })).status).toBe(404)
    expect((await admin(g.url, 'regulations?limit=0')).status).toBe(400)
    expect((await admin(g.url, 'regulations')).body).toEqual([])
  })

  it('suppresses at ingest (200, counted), purges queued jobs and dead letters, and lifts on removal', async () => {
    // u1's events fail: the first is retried (queued), the second refused (a dead letter).
    const receiver = track(
      await startReceiver((req) => {
        const body = req.body as { userId?: string; messageId?: string }
        if (body?.userId !== 'u1') return { status: 200 }
        return { status: body.messageId === 'dead' ? 400 : 503 }
      }),
    )
    const g = await start(pipeline(receiver.url), {
      adminToken: TOKEN,
      retry: { ...FAST_RETRY, baseDelayMs: 60_000, maxDelayMs: 60_000 },
    })
    await post(g, '/v1/batch', {
      batch: [track_('u1', 'queued'), track_('u1', 'dead'), track_('u2', 'other')],
    })
    await waitFor(
      async () => (await g.deadLetters.count()) === 2,
      'the two dead letters of u1 (hook and plain)',
    )
    await waitFor(async () => (await g.stats()).jobs.hook?.retrying === 1, 'u1’s retrying jobs')

    const created = await admin(g.url, 'regulations', {
      method: 'POST',
      body: {
        type: 'suppress',
        identifiers: [
          { type: 'userId', value: 'u1' },
          { type: 'email', value: 'x@y.z' },
        ],
      },
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      id: 1,
      type: 'suppress',
      removedAt: null,
      purged: { jobs: 2, deadLetters: 2 },
      deletions: [],
    })
    expect(await g.deadLetters.count()).toBe(0)
    expect((await g.stats()).jobs).toEqual({})

    const before = receiver.answered.length
    const answer = await post(g, '/v1/batch', {
      batch: [
        track_('u1', 'later'),
        track_('u3', 'by-email', { context: { traits: { email: 'x@y.z' } } }),
        track_('u2', 'kept'),
      ],
    })
    expect(answer.status).toBe(200)
    await waitFor(
      () =>
        receiver.received.filter((r) => (r.body as { messageId: string }).messageId === 'kept').length === 2,
      'u2’s event',
    )
    expect(receiver.answered.slice(before).map((r) => (r.body as { messageId: string }).messageId)).toEqual([
      'kept',
      'kept',
    ])
    expect(await g.metrics()).toMatch(/patchbay_events_suppressed_total\{source="web",where="ingest"\} 2/)

    const listed = await admin(g.url, 'regulations')
    expect(listed.body.map((r: { id: number }) => r.id)).toEqual([1])
    expect((await admin(g.url, 'regulations/1', { method: 'DELETE' })).body).toEqual({ removed: 1 })
    expect((await admin(g.url, 'regulations/1')).body.removedAt).toEqual(expect.any(Number))
    await post(g, '/v1/track', track_('u1', 'after-removal'))
    await waitFor(
      () => receiver.answered.some((r) => (r.body as { messageId: string }).messageId === 'after-removal'),
      'u1 delivered again',
    )
  })

  it('fans deletion out to destinations that can delete, retried through an outage; the audit trail says where it stands', async () => {
    let down = 2
    const receiver = track(
      await startReceiver((req) => {
        if (req.path.startsWith('/deletions')) return { status: down-- > 0 ? 503 : 200 }
        return { status: 200 }
      }),
    )
    const dataDir = tempDir()
    const g = await start(pipeline(receiver.url), { adminToken: TOKEN, retry: FAST_RETRY, dataDir })
    const created = await admin(g.url, 'regulations', {
      method: 'POST',
      body: {
        type: 'suppress_with_delete',
        identifiers: [
          { type: 'userId', value: 'u1' },
          { type: 'anonymousId', value: 'a1' },
        ],
      },
    })
    expect(created.body.deletions).toMatchObject([
      { destinationId: 'hook', status: 'pending' },
      { destinationId: 'plain', status: 'pending' },
    ])
    await waitFor(async () => {
      const r = (await admin(g.url, 'regulations/1')).body
      return r.deletions.every((d: { status: string }) => d.status !== 'pending')
    }, 'both deletions settled')
    const audit = (await admin(g.url, 'regulations/1')).body
    expect(audit.deletions).toMatchObject([
      { destinationId: 'hook', status: 'done', attempts: 3, reason: null },
      { destinationId: 'plain', status: 'failed', reason: expect.stringContaining('deletion') },
    ])
    const deletions = receiver.answered.filter((r) => r.path === '/deletions')
    expect(deletions.map((r) => r.status)).toEqual([503, 503, 200])
    expect(deletions[2]!.body).toEqual({
      type: 'delete_users',
      identifiers: [
        { type: 'userId', value: 'u1' },
        { type: 'anonymousId', value: 'a1' },
      ],
    })

    // Survives a restart: still suppressed, the audit trail intact.
    await g.close()
    const again = await start(pipeline(receiver.url), { adminToken: TOKEN, retry: FAST_RETRY, dataDir })
    expect((await post(again, '/v1/track', track_('u1', 'after-restart'))).status).toBe(200)
    expect(await again.metrics()).toMatch(/patchbay_events_suppressed_total\{source="web",where="ingest"\} 1/)
    expect((await admin(again.url, 'regulations/1')).body.deletions[0].status).toBe('done')
  })
})
