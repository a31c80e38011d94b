import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { describe, expect, it } from 'vitest'
import { basic, startReceiver, useGateways, WRITE_KEY, waitFor } from './_gateway.ts'

// The event path's costs, counted: JSON passes per event, and stored payloads per destination.

const { start, track, tempDir } = useGateways()

const pipelineTo = (urls: string[]) => `
name: path
sources:
  - id: web
    writeKey: ${WRITE_KEY}
destinations:
${urls.map((url, i) => `  - id: d${i}\n    use: "@patchbay/destination-webhook@^0"\n    config: { url: "${url}/in" }`).join('\n')}
egress: { allow: ["127.0.0.1"] }
`

/** A receiver that keeps raw bodies (it parses nothing, so it adds no JSON pass of its own). */
async function rawReceiver() {
  const bodies: string[] = []
  const server = createServer(async (req, res) => {
    let text = ''
    for await (const chunk of req) text += chunk
    bodies.push(text)
    res.writeHead(200).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function openDb(dir: string) {
  return new DatabaseSync(join(dir, 'patchbay.db'), { readOnly: true })
}

const count = (db: DatabaseSync, sql: string) =>
  Number((db.prepare(sql).get() as { n: number | null }).n ?? 0)

describe('one event, /v1/track → webhook', () => {
  it('takes at most 5 full JSON encode/decode passes with one destination', async () => {
    const receiver = track(await rawReceiver())
    const g = await start(pipelineTo([receiver.url]))
    const messageId = 'm-count-passes-0001'
    const body = `{"type":"track","event":"Counted","userId":"u-1","messageId":"${messageId}","properties":{"n":1}}`
    // Every JSON.parse/stringify whose text carries this event is one full pass over it
    // (vitest's own reads of this file's source map, which holds the id too, are not).
    const passes: string[] = []
    const where = () => {
      const stack = new Error().stack ?? ''
      return stack.includes('node_modules/vitest/') ? undefined : (stack.split('\n')[3]?.trim() ?? 'at ?')
    }
    const { parse, stringify } = JSON
    JSON.parse = function (this: JSON, text: string, ...rest: unknown[]) {
      const at = typeof text === 'string' && text.includes(messageId) ? where() : undefined
      if (at) passes.push(`parse ${at}`)
      return parse.call(this, text, ...(rest as []))
    } as typeof JSON.parse
    JSON.stringify = function (this: JSON, value: unknown, ...rest: unknown[]) {
      const out = stringify.call(this, value, ...(rest as []))
      const at = typeof out === 'string' && out.includes(messageId) ? where() : undefined
      if (at) passes.push(`stringify ${at}`)
      return out
    } as typeof JSON.stringify
    try {
      const res = await fetch(`${g.url}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basic() },
        body,
      })
      expect(res.status).toBe(200)
      await res.arrayBuffer()
      await waitFor(() => receiver.bodies.length === 1, 'the delivery')
    } finally {
      JSON.parse = parse
      JSON.stringify = stringify
    }
    expect(receiver.bodies[0]).toContain(messageId)
    // The request body; the stored text (also what the size limit measures); the pending event
    // read back for the transformations; the job read back (the stored event's text, not a
    // copy); the webhook body. Was 10, with 3 validations of the same event.
    expect(passes.length, passes.join('\n')).toBeLessThanOrEqual(5)
    expect(passes.filter((p) => p.startsWith('stringify')).length, passes.join('\n')).toBe(2)
  })
})

describe('the store keeps one copy of an event', () => {
  it('stores an unchanged event once whatever the number of destinations (+0 payloads per extra destination)', async () => {
    const footprint = async (destinations: number) => {
      // 503 forever: the jobs stay queued, so the store can be inspected with them.
      const down = track(await startReceiver(() => ({ status: 503 })))
      const dir = tempDir()
      const g = await start(pipelineTo(Array.from({ length: destinations }, () => down.url)), {
        dataDir: dir,
      })
      const res = await fetch(`${g.url}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basic() },
        body: JSON.stringify({ type: 'track', event: 'Stored', userId: 'u-1', messageId: 'm-once' }),
      })
      expect(res.status).toBe(200)
      const db = openDb(dir)
      try {
        await waitFor(() => count(db, 'SELECT count(*) AS n FROM jobs') === destinations, 'the jobs')
        return {
          events: count(db, 'SELECT count(*) AS n FROM events'),
          jobs: count(db, 'SELECT count(*) AS n FROM jobs'),
          payloads: count(db, 'SELECT count(*) AS n FROM jobs WHERE payload IS NOT NULL'),
          bytes:
            count(db, 'SELECT sum(length(event)) AS n FROM events') +
            count(db, 'SELECT sum(length(payload)) AS n FROM jobs'),
        }
      } finally {
        db.close()
      }
    }
    const one = await footprint(1)
    const three = await footprint(3)
    expect(one).toMatchObject({ events: 1, jobs: 1, payloads: 0 })
    expect(three).toMatchObject({ events: 1, jobs: 3, payloads: 0 })
    // The same stored bytes for three destinations as for one (receivedAt has the same length).
    expect(three.bytes).toBe(one.bytes)
  })

  it("keeps the event in a dead letter when a job aborts, and removes the event row with the event's last job", async () => {
    const refusing = track(await startReceiver(() => ({ status: 400 })))
    const ok = track(await startReceiver())
    const dir = tempDir()
    const g = await start(pipelineTo([refusing.url, ok.url]), { dataDir: dir })
    const event = { type: 'track', event: 'Half', userId: 'u-2', messageId: 'm-half' }
    const res = await fetch(`${g.url}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic() },
      body: JSON.stringify(event),
    })
    expect(res.status).toBe(200)
    await waitFor(
      async () => ok.received.length === 1 && (await g.deadLetters.count()) === 1,
      'both outcomes',
    )
    const [letter] = await g.deadLetters.list()
    expect(letter).toMatchObject({
      destinationId: 'd0',
      messageId: 'm-half',
      step: 'delivery',
      payload: event,
    })
    const db = openDb(dir)
    try {
      await waitFor(() => count(db, 'SELECT count(*) AS n FROM jobs') === 0, 'both jobs to end')
      expect(count(db, 'SELECT count(*) AS n FROM events')).toBe(0)
    } finally {
      db.close()
    }
  })

  it('queues no job for a destination the event is not routed to', async () => {
    const ok = track(await startReceiver())
    const dir = tempDir()
    const g = await start(pipelineTo([ok.url, ok.url]), { dataDir: dir })
    const res = await fetch(`${g.url}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic() },
      body: JSON.stringify({
        type: 'track',
        event: 'Routed',
        userId: 'u-3',
        messageId: 'm-routed',
        integrations: { All: false, d1: true },
      }),
    })
    expect(res.status).toBe(200)
    await waitFor(() => ok.received.length === 1, 'the delivery to d1')
    const dropped = 'patchbay_deliveries_total{destination="d0",status="dropped"} 1'
    for (let i = 0; i < 500 && !(await g.metrics()).includes(dropped); i++)
      await new Promise((r) => setTimeout(r, 20))
    expect(await g.metrics()).toContain(dropped)
    expect(ok.received[0]!.path).toBe('/in')
  })
})
