import { describe, expect, it } from 'vitest'
import { post, startReceiver, useGateways, waitFor, webhookPipeline } from './_gateway.ts'

const { start, track } = useGateways()
const TOKEN = 'admin_token_0123456789abcdef'

async function admin(
  url: string,
  path: string,
  init: { method?: string; body?: unknown; token?: string } = {},
) {
  const res = await fetch(`${url}/admin/${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${init.token ?? TOKEN}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  })
  // biome-ignore lint/suspicious/noExplicitAny: test responses are read field by field
  return { status: res.status, body: (await res.json()) as any }
}

describe('the admin API', () => {
  it('lists, shows, replays and purges dead letters of a running gateway', async () => {
    let healthy = false
    const receiver = track(await startReceiver(() => ({ status: healthy ? 200 : 400 })))
    const g = await start(webhookPipeline(receiver.url), { adminToken: TOKEN })
    const batch = [1, 2, 3].map((i) => ({ type: 'track', event: 'A', userId: `u${i}`, messageId: `m-${i}` }))
    await post(g, '/v1/batch', { batch })
    await waitFor(async () => (await g.deadLetters.count()) === 3, '3 dead letters')

    const list = await admin(g.url, 'dead-letters?limit=2')
    expect(list.status).toBe(200)
    expect(list.body).toHaveLength(2)
    const [first] = list.body as Array<{ id: number; messageId: string; reason: string }>
    const shown = await admin(g.url, `dead-letters/${first!.id}`)
    expect(shown.body).toMatchObject({
      id: first!.id,
      destinationId: 'hook',
      reason: expect.stringContaining('400'),
    })
    expect((await admin(g.url, 'stats')).body.deadLetters).toEqual({ hook: 3 })

    healthy = true
    const replayed = await admin(g.url, 'dead-letters/replay', { method: 'POST', body: { ids: [first!.id] } })
    expect(replayed.body).toEqual({ replayed: 1 })
    await waitFor(() => receiver.received.length === 1, 'the replayed delivery')
    const purged = await admin(g.url, 'dead-letters/purge', {
      method: 'POST',
      body: { destinationId: 'hook' },
    })
    expect(purged.body).toEqual({ purged: 2 })
    expect(await g.deadLetters.count()).toBe(0)
  })

  it('needs the admin token, and is off without one', async () => {
    const receiver = track(await startReceiver())
    const on = await start(webhookPipeline(receiver.url), { adminToken: TOKEN })
    const wrong = await admin(on.url, 'stats', { token: 'admin_token_wrong_456789abcdef' })
    expect(wrong.status).toBe(401)
    expect(JSON.stringify(wrong.body)).not.toContain(TOKEN)
    const refused = await admin(on.url, 'dead-letters/replay', { method: 'POST', body: {} })
    expect(refused.status).toBe(400)
    expect(refused.body.error.message).toContain('say which dead letters')
    const off = await start(webhookPipeline(receiver.url))
    const missing = await admin(off.url, 'stats')
    expect(missing.status).toBe(404)
    expect(missing.body.error.message).toContain('PATCHBAY_ADMIN_TOKEN')
  })
})
