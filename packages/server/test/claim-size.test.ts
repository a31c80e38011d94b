import { expect, it } from 'vitest'
import { post, startReceiver, useGateways, WRITE_KEY, waitFor } from './_gateway.ts'

const { start, track } = useGateways()

// `gateway.destinations.<id>.claim`: a destination's workers claim that many jobs at a time
// (a warehouse loads a claim in one transaction); the others keep `delivery.claim`.
it("claims a destination's own number of jobs at a time, and the gateway's for the others", async () => {
  const receiver = track(await startReceiver())
  const hook = (id: string) => `
  - id: ${id}
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${receiver.url}/${id}", batch: { enabled: true, maxEvents: 1000 } }`
  const g = await start(
    `
name: claims
sources:
  - id: web
    writeKey: ${WRITE_KEY}
destinations:${hook('small')}${hook('big')}
egress: { allow: ["127.0.0.1"] }
gateway:
  destinations:
    big: { claim: 500 }
`,
    { delivery: { claim: 5, workers: 1, pollMs: 10 } },
  )
  const batch = Array.from({ length: 200 }, (_, i) => ({
    type: 'track',
    event: 'Step',
    userId: `u${i % 7}`,
    messageId: `m-${i}`,
  }))
  expect((await post(g, '/v1/batch', { batch })).status).toBe(200)
  const sizes = (path: string) =>
    receiver.received.filter((r) => r.path === path).map((r) => (r.body as unknown[]).length)
  const total = (path: string) => sizes(path).reduce((n, k) => n + k, 0)
  await waitFor(() => total('/small') === 200 && total('/big') === 200, 'all 200 events at both', 30_000)
  expect(Math.max(...sizes('/small'))).toBeLessThanOrEqual(5)
  expect(Math.max(...sizes('/big'))).toBeGreaterThan(5)
})
