import { canonicalIdOf, checkIdentityStore, openPostgresIdentityStore } from '@patchbay/identity'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useChildGateways } from './_child.ts'
import { basic, post, startReceiver, waitFor } from './_gateway.ts'
import { createTestDatabase } from './store/_postgres.ts'

// Gateway processes on one PostgreSQL database (a database of this file's own), with identity
// stitching: the graph lives in the database, and whichever node stitches takes in what the
// others wrote, so a person whose ids arrive on different nodes gets one canonical id.

const TOKEN = 'admin_token_0123456789abcdef'
let database: Awaited<ReturnType<typeof createTestDatabase>>
let receiver: Awaited<ReturnType<typeof startReceiver>>
beforeAll(async () => {
  database = await createTestDatabase('identity_nodes')
  receiver = await startReceiver()
})
afterAll(async () => {
  await receiver?.close()
  await database?.drop()
})
// Registered after the hook above, so the gateways are killed before their database goes.
const { spawnGateway } = useChildGateways({ per: 'file' })

const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 9, minute)).toISOString()
const admin = async (gateway: { url: string }, path: string) => {
  const res = await fetch(`${gateway.url}/admin/identity/${path}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  })
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field below
  return { status: res.status, body: (await res.json()) as any }
}
type Body = { messageId?: string; context?: { patchbay?: { canonicalId?: string } } }
const delivered = (messageId: string) =>
  receiver.received.map((r) => r.body as Body | undefined).find((body) => body?.messageId === messageId)

describe('identity stitching with two gateway nodes on one PostgreSQL database', () => {
  it('gives one canonical id to a person whose ids arrive on different nodes, through a node kill and a restart', async () => {
    const start = () =>
      spawnGateway({
        receiverUrl: receiver.url,
        identity: '{}',
        options: { store: database.url, adminToken: TOKEN, postgres: { poolSize: 4, leaseMs: 1_500 } },
      })
    const send = async (node: { url: string }, events: Array<Record<string, unknown>>) => {
      expect((await post(node, '/v1/batch', { batch: events }, { authorization: basic() })).status).toBe(200)
      for (const e of events)
        await waitFor(
          () => delivered(e.messageId as string) !== undefined,
          `delivery of ${e.messageId}`,
          30_000,
        )
    }
    // Node A starts alone, so it holds the processor's turn: it stitches the laptop and the login.
    const a = await start()
    await send(a, [
      { type: 'track', event: 'Viewed', anonymousId: 'anon-laptop', messageId: 'p1-1', timestamp: at(1) },
      {
        type: 'identify',
        anonymousId: 'anon-laptop',
        userId: 'user-1',
        traits: { email: 'ada@example.com' },
        messageId: 'p1-2',
        timestamp: at(2),
      },
    ])
    // Node B opens the graph as it is now; the phone's first event, sent to B, is stitched by A.
    const b = await start()
    await send(b, [
      {
        type: 'track',
        event: 'Viewed',
        anonymousId: 'anon-phone',
        context: { device: { id: 'dev-phone' } },
        messageId: 'p2-1',
        timestamp: at(3),
      },
    ])
    // A dies; B takes the processor's turn and stitches the login on the phone, knowing the phone only from A's writes.
    a.child.kill('SIGKILL')
    expect(await a.exited).toEqual({ code: null, signal: 'SIGKILL' })
    await send(b, [
      { type: 'identify', anonymousId: 'anon-phone', userId: 'user-1', messageId: 'p3-1', timestamp: at(4) },
    ])

    const laptop = canonicalIdOf('anonymousId', 'anon-laptop')
    const phone = canonicalIdOf('anonymousId', 'anon-phone')
    const stamp = (id: string) => delivered(id)?.context?.patchbay?.canonicalId
    // Each event carries its person as of its stitching: the phone was its own person until the login.
    expect(['p1-1', 'p1-2', 'p2-1', 'p3-1'].map(stamp)).toEqual([laptop, laptop, phone, laptop])

    const person = {
      canonicalId: laptop,
      identifiers: {
        anonymousId: ['anon-laptop', 'anon-phone'],
        deviceId: ['dev-phone'],
        email: ['ada@example.com'],
        userId: ['user-1'],
      },
      size: 5,
    }
    const onB = await admin(b, 'lookup?id=anonymousId:anon-phone')
    expect(onB).toMatchObject({ status: 200, body: person })
    expect(
      onB.body.merges.map((m: { kind: string; from: string; to: string }) => [m.kind, m.from, m.to]),
    ).toEqual([['merge', phone, laptop]])

    // A restarts on the same database: the same person, by any of their ids, and the same stats on both nodes.
    const a2 = await start()
    expect(await admin(a2, `lookup?id=${phone}`)).toMatchObject({ status: 200, body: person })
    expect(await admin(a2, 'lookup?id=ada@example.com')).toMatchObject({ status: 200, body: person })
    const stats = await admin(a2, 'stats')
    expect(stats).toMatchObject({ status: 200, body: { people: 1, identifiers: 5, merges: 1 } })
    expect(await admin(b, 'stats')).toEqual(stats)

    // The stored canonical ids are what a recomputation from the stored links gives.
    const store = await openPostgresIdentityStore({ url: database.url, readOnly: true })
    expect(await checkIdentityStore(store)).toEqual({ identifiers: 5, nodes: 0, edges: 0 })
    await store.close()

    // Unknown ids and bad queries get coded refusals.
    expect(await admin(b, 'lookup?id=userId:nobody')).toMatchObject({
      status: 404,
      body: {
        error: {
          code: 'PB_GATEWAY_NOT_FOUND',
          message: expect.stringMatching(/^no identifier or canonical id "userId:nobody"/),
        },
      },
    })
    expect(await admin(b, 'lookup')).toMatchObject({
      status: 400,
      body: { error: { code: 'PB_GATEWAY_BODY_INVALID' } },
    })
    expect(await admin(b, 'stats?largest=-1')).toMatchObject({
      status: 400,
      body: { error: { code: 'PB_GATEWAY_BODY_INVALID' } },
    })
  }, 120_000)
})
