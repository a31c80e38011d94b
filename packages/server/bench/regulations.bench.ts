import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parsePipeline } from '@patchbay/core'
import { defineBench, measureRate, median } from '../../../test/bench/_harness.ts'
import { type Gateway, openSqliteStore, startGateway } from '../src/index.ts'

// Issue 20's figure: gateway ingest (HTTP /v1/batch of 100 events, durable) with 100,000
// suppressed identifiers and consent requirements on two of three destinations, against the
// same gateway without regulations or consent requirements, in alternating rounds of the same
// run. No event of the load is suppressed: each pays the lookups (userId, anonymousId, email)
// and is stored, so the "with" side does not win by dropping.

const serverDir = fileURLToPath(new URL('..', import.meta.url))
const WRITE_KEY = 'wk_bench_0123456789'
const SUPPRESSED = 100_000

const pipeline = (receiver: string, consent: boolean) => `
name: bench
sources:
  - id: web
    writeKey: ${WRITE_KEY}
destinations:
  - id: warehouse
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${receiver}/w" }
  - id: analytics
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${receiver}/a" }
    ${consent ? 'consent: { categories: [Analytics, C0002], match: any }' : ''}
  - id: ads
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${receiver}/d" }
    ${consent ? 'consent: { categories: [Advertising, C0004], match: all }' : ''}
egress: { allow: ["127.0.0.1"] }
`

const body = (round: number) =>
  JSON.stringify({
    batch: Array.from({ length: 100 }, (_, i) => ({
      type: 'track',
      event: 'Order Completed',
      userId: `user-${i % 50}`,
      anonymousId: `anon-${i}`,
      messageId: `bench-${round}-${i}`,
      properties: { orderId: `o-${i}`, total: 129.5, currency: 'EUR' },
      context: {
        traits: { email: `user-${i % 50}@example.com` },
        consent: { categoryPreferences: { Analytics: true, Advertising: i % 4 === 0 } },
      },
    })),
  })

async function setUp() {
  const receiver = createServer((req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(200).end())
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
  const dirs: string[] = []
  const start = async (withRegulations: boolean): Promise<Gateway> => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pb-bench-regulations-'))
    dirs.push(dataDir)
    if (withRegulations) {
      const store = openSqliteStore({ dir: dataDir })
      const identifiers = Array.from({ length: SUPPRESSED }, (_, i) =>
        i % 3 === 0
          ? { type: 'userId', value: `gone-${i}` }
          : i % 3 === 1
            ? { type: 'anonymousId', value: `gone-anon-${i}` }
            : { type: 'email', value: `gone-${i}@example.com` },
      )
      for (let i = 0; i < identifiers.length; i += 10_000)
        await store.regulations.create(
          { type: 'suppress', identifiers: identifiers.slice(i, i + 10_000), deleteAt: [], cannotDelete: [] },
          Date.now(),
        )
      await store.close()
    }
    return startGateway({
      pipeline: {
        ...parsePipeline(pipeline(receiverUrl, withRegulations), { file: join(serverDir, 'pipeline.yaml') }),
        baseDir: serverDir,
      },
      options: { port: 0, dataDir, checkOnStart: 'off' },
    })
  }
  const without = await start(false)
  const withBoth = await start(true)
  return {
    without,
    withBoth,
    async close() {
      await without.close()
      await withBoth.close()
      receiver.closeAllConnections()
      receiver.close()
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Events/s accepted by `gateway`: 4 concurrent POSTs of 100 events, each answered 200. */
function ingest(gateway: Gateway) {
  let round = 0
  const auth = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`
  return async () => {
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        const res = await fetch(`${gateway.url}/v1/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: auth },
          body: body(round++),
        })
        if (res.status !== 200) throw new Error(`ingest answered ${res.status}`)
        await res.arrayBuffer()
      }),
    )
    return 400
  }
}

let figures: Promise<{ without: number; with: number; ratio: number }> | undefined
function measure() {
  figures ??= (async () => {
    const g = await setUp()
    try {
      const a = ingest(g.without)
      const b = ingest(g.withBoth)
      const as: number[] = []
      const bs: number[] = []
      const ratios: number[] = []
      for (let i = 0; i < 7; i++) {
        const ra = await measureRate(a, { rounds: 1, roundMs: 400, warmupMs: i === 0 ? 400 : 50 })
        const rb = await measureRate(b, { rounds: 1, roundMs: 400, warmupMs: i === 0 ? 400 : 50 })
        as.push(ra)
        bs.push(rb)
        ratios.push(rb / ra)
      }
      return { without: median(as), with: median(bs), ratio: median(ratios) }
    } finally {
      await g.close()
    }
  })()
  return figures
}

export default defineBench([
  {
    name: 'gateway.ingest.suppressed.baseline',
    unit: 'events/s',
    description: 'gateway /v1/batch (100 events, 4 in flight), no regulations, no consent requirements',
    measure: async () => (await measure()).without,
  },
  {
    name: 'gateway.ingest.suppressed',
    unit: 'events/s',
    description:
      'the same with 100,000 suppressed identifiers and consent requirements on 2 of 3 destinations',
    measure: async () => (await measure()).with,
  },
  {
    name: 'gateway.ingest.suppressed.ratio',
    unit: 'ratio',
    description: 'with / without, median of alternating pairs in the same run',
    goal: { op: '>=', value: 0.9 },
    measure: async () => (await measure()).ratio,
  },
])
