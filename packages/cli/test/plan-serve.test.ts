import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import RudderAnalytics from '@rudderstack/rudder-sdk-node'
import { Analytics as SegmentAnalytics } from '@segment/analytics-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixtures } from './_cli.ts'

// Tracking plans enforced by `patchbay serve` (the real CLI in a child process), with the
// real Segment and RudderStack SDKs sending, and a webhook destination receiving.

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const WRITE_KEY = 'wk_plan_test_123'
// biome-ignore lint/suspicious/noExplicitAny: JSON received from the webhook, read field by field in assertions
type Received = Record<string, any>

const planV1 = `name: shop
version: 1
track:
  Order Completed:
    properties:
      order_id: { type: string }
      total: { type: number, minimum: 0 }
    required: [order_id, total]
    additionalProperties: false
identify:
  properties:
    email: { type: string }
  required: [email]
page:
  properties:
    path: { type: string }
`
// v2 allows a `gift` flag on orders.
const planV2 = planV1
  .replace('version: 1', 'version: 2')
  .replace(
    '      total: { type: number, minimum: 0 }\n',
    '      total: { type: number, minimum: 0 }\n      gift: { type: boolean }\n',
  )

const pipeline = (version: number) => `name: plan-test
sources:
  - id: web
    writeKey: ${WRITE_KEY}
    trackingPlan:
      file: ./tracking-plan.yaml
      version: ${version}
      actions: { default: forward, identify: drop, page: omit }
      violationsTo: audit
destinations:
  - id: hook
    use: "@patchbay/destination-webhook@^0"
    config: { url: "\${PATCHBAY_TEST_RECEIVER}/hook" }
  - id: audit
    use: "@patchbay/destination-webhook@^0"
    config: { url: "\${PATCHBAY_TEST_RECEIVER}/audit" }
    filter: { types: [track], events: [Violation Generated] }
egress: { allow: ["127.0.0.1"] }
`

let dir: string
let receiver: Server
let receiverUrl: string
const received: Array<{ path: string; body: Received }> = []
let child: ChildProcessWithoutNullStreams
const out = { stdout: '', stderr: '' }
let gateway: string

async function until(check: () => boolean, what: string, ms = 60_000) {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; printed:\n${out.stdout}${out.stderr}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
const at = (path: string) => received.filter((r) => r.path === path).map((r) => r.body)
const hookById = (id: string) => at('/hook').find((e) => e.messageId === id)

beforeAll(async () => {
  // Inside the fixtures, so the pipeline resolves the installed webhook destination.
  dir = mkdtempSync(join(fixtures, '.plan-'))
  receiver = createServer((req, res) => {
    let text = ''
    req.on('data', (c) => (text += c))
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(text) })
      res.end('ok')
    })
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
  writeFileSync(join(dir, 'tracking-plan.yaml'), planV1)
  writeFileSync(join(dir, 'pipeline.yaml'), pipeline(1))
  child = spawn(
    process.execPath,
    [
      '--no-node-snapshot',
      '--conditions=@patchbay/source',
      main,
      'serve',
      join(dir, 'pipeline.yaml'),
      '--port',
      '0',
      '--data-dir',
      join(dir, 'data'),
    ],
    { cwd: dir, env: { ...process.env, NO_COLOR: '1', PATCHBAY_TEST_RECEIVER: receiverUrl } },
  )
  child.stdout.on('data', (c: Buffer) => (out.stdout += c))
  child.stderr.on('data', (c: Buffer) => (out.stderr += c))
  await until(() => out.stdout.includes('admin '), 'the gateway to listen')
  gateway = /listening on (\S+)/.exec(out.stdout)![1]!
}, 90_000)

afterAll(async () => {
  child?.kill('SIGKILL')
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()))
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function sendSegment(send: (analytics: SegmentAnalytics) => void) {
  const analytics = new SegmentAnalytics({
    writeKey: WRITE_KEY,
    host: gateway,
    flushAt: 50,
    flushInterval: 10_000,
  })
  const errors: unknown[] = []
  analytics.on('error', (e) => errors.push(e))
  send(analytics)
  await analytics.closeAndFlush({ timeout: 30_000 })
  expect(errors).toEqual([])
}

describe('patchbay serve with a tracking plan', () => {
  it('names the plan it enforces', () => {
    expect(out.stdout).toContain('plan      sources.web  shop v1')
  })

  it('classifies every violation type and applies every action, from both SDKs', async () => {
    await sendSegment((a) => {
      a.track({
        userId: 'u-1',
        messageId: 'ok',
        event: 'Order Completed',
        properties: { order_id: 'o-1', total: 5 },
      })
      a.track({ userId: 'u-1', messageId: 'unplanned', event: 'Order Complete', properties: {} })
      a.track({ userId: 'u-1', messageId: 'required', event: 'Order Completed', properties: { total: 5 } })
      a.track({
        userId: 'u-1',
        messageId: 'datatype',
        event: 'Order Completed',
        properties: { order_id: 'o', total: '5' },
      })
      a.track({
        userId: 'u-1',
        messageId: 'additional',
        event: 'Order Completed',
        properties: { order_id: 'o', total: 5, gift: true },
      })
      a.track({
        userId: 'u-1',
        messageId: 'unknown',
        event: 'Order Completed',
        properties: { order_id: 'o', total: -1 },
      })
    })
    const rudder = new RudderAnalytics(WRITE_KEY, {
      dataPlaneUrl: gateway,
      flushAt: 50,
      flushInterval: 10_000,
    })
    rudder.identify({ userId: 'u-2', messageId: 'dropped', traits: { name: 'Ada' } } as never)
    rudder.page({
      userId: 'u-2',
      messageId: 'omitted',
      name: 'Home',
      properties: { path: 5, title: 'Home' },
    } as never)
    await rudder.flush()

    // 6 tracks and the omitted page reach the hook; 7 violation reports reach the audit.
    await until(() => at('/hook').length >= 7 && at('/audit').length >= 7, 'deliveries')
    const typesOf = (id: string) => (hookById(id)?.context.violationErrors ?? []).map((v: Received) => v.type)
    expect(hookById('ok')!.context.violationErrors).toBeUndefined()
    expect(typesOf('unplanned')).toEqual(['Unplanned-Event'])
    expect(typesOf('required')).toEqual(['Required-Missing'])
    expect(typesOf('datatype')).toEqual(['Datatype-Mismatch'])
    expect(typesOf('additional')).toEqual(['Additional-Properties'])
    expect(typesOf('unknown')).toEqual(['Unknown-Violation'])
    expect(hookById('datatype')!.context).toMatchObject({
      trackingPlanId: 'shop',
      trackingPlanVersion: 1,
      violationErrors: [
        { type: 'Datatype-Mismatch', message: 'must be number', meta: { instancePath: '/properties/total' } },
      ],
    })
    // forward keeps the properties as sent
    expect(hookById('datatype')!.properties).toEqual({ order_id: 'o', total: '5' })
    // drop: the identify never reaches the hook
    expect(hookById('dropped')).toBeUndefined()
    // omit: the bad property is gone, the rest forwarded, the violation attached
    expect(hookById('omitted')!.properties).toEqual({ title: 'Home' })
    expect(typesOf('omitted')).toEqual(['Datatype-Mismatch'])
    // Violation Generated, only at the audit destination
    const reports = at('/audit')
    expect(reports.every((r) => r.event === 'Violation Generated')).toBe(true)
    expect(at('/hook').some((e) => e.event === 'Violation Generated')).toBe(false)
    expect(reports.map((r) => [r.properties.eventMessageId, r.properties.violationType]).sort()).toEqual(
      [
        ['additional', 'Additional-Properties'],
        ['datatype', 'Datatype-Mismatch'],
        ['dropped', 'Required-Missing'],
        ['omitted', 'Datatype-Mismatch'],
        ['required', 'Required-Missing'],
        ['unknown', 'Unknown-Violation'],
        ['unplanned', 'Unplanned-Event'],
      ].sort(),
    )
    const metrics = await (await fetch(`${gateway}/metrics`)).text()
    const series = (name: string, labels: string) =>
      new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm').exec(metrics)?.[1]
    expect(
      series(
        'patchbay_plan_events_total',
        'source="web",plan="shop",version="1",event="Order Completed",outcome="validated"',
      ),
    ).toBe('5')
    expect(
      series(
        'patchbay_plan_events_total',
        'source="web",plan="shop",version="1",event="identify",outcome="dropped"',
      ),
    ).toBe('1')
    expect(
      series(
        'patchbay_plan_violations_total',
        'source="web",plan="shop",version="1",event="\\(unplanned\\)",type="Unplanned-Event"',
      ),
    ).toBe('1')
    expect(
      series(
        'patchbay_plan_violations_total',
        'source="web",plan="shop",version="1",event="Order Completed",type="Datatype-Mismatch"',
      ),
    ).toBe('1')
  }, 120_000)

  it('reloads a changed plan while running, without losing events', async () => {
    const before = at('/hook').length
    const ids = Array.from({ length: 60 }, (_, i) => `r-${i}`)
    const analytics = new SegmentAnalytics({
      writeKey: WRITE_KEY,
      host: gateway,
      flushAt: 5,
      flushInterval: 10_000,
    })
    const errors: unknown[] = []
    analytics.on('error', (e) => errors.push(e))
    for (const [i, id] of ids.entries()) {
      analytics.track({
        userId: 'u-3',
        messageId: id,
        event: 'Order Completed',
        properties: { order_id: id, total: 1, gift: true },
      })
      if (i === 19) {
        // r-0..r-19 (four flushes) are judged by v1; the plan changes while r-20.. are sent.
        await until(() => ids.slice(0, 20).every((x) => hookById(x)), 'the first events')
        writeFileSync(join(dir, 'tracking-plan.yaml'), planV2)
        writeFileSync(join(dir, 'pipeline.yaml'), pipeline(2))
      }
      // r-41.. are sent once v2 is in force.
      if (i === 40) await until(() => out.stderr.includes('enforces tracking plan shop v2'), 'the reload')
    }
    await analytics.closeAndFlush({ timeout: 30_000 })
    expect(errors).toEqual([])
    await until(() => ids.every((id) => hookById(id)), 'every event to arrive')
    expect(at('/hook').length - before).toBe(ids.length) // each once
    // Each event was judged by one plan: v1 flags `gift`, v2 allows it; the last ones came after the reload.
    for (const id of ids) {
      const context = hookById(id)!.context
      if (context.violationErrors)
        expect(context).toMatchObject({
          trackingPlanVersion: 1,
          violationErrors: [{ type: 'Additional-Properties' }],
        })
    }
    for (const id of ids.slice(0, 20)) expect(hookById(id)!.context.trackingPlanVersion).toBe(1)
    for (const id of ids.slice(41)) expect(hookById(id)!.context.violationErrors).toBeUndefined()
    expect(out.stdout + out.stderr).not.toContain('were not reloaded')
  }, 120_000)

  it('keeps the plan in force when a changed plan is invalid, and says why', async () => {
    writeFileSync(join(dir, 'tracking-plan.yaml'), planV2.replace('type: boolean', 'type: flag'))
    await until(() => out.stderr.includes('were not reloaded'), 'the refused reload')
    expect(out.stderr).toMatch(
      /tracking-plan\.yaml:\d+:\d+: track "Order Completed", property gift: type "flag" is not a JSON Schema type/,
    )
    await sendSegment((a) =>
      a.track({
        userId: 'u-4',
        messageId: 'after-bad',
        event: 'Order Completed',
        properties: { order_id: 'o', total: 1, gift: 'yes' },
      }),
    )
    await until(() => hookById('after-bad') !== undefined, 'the event')
    expect(hookById('after-bad')!.context).toMatchObject({
      trackingPlanVersion: 2,
      violationErrors: [{ type: 'Datatype-Mismatch' }],
    })
  }, 120_000)
})
