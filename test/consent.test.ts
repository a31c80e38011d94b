import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import RudderAnalytics from '@rudderstack/rudder-sdk-node'
import { Analytics as SegmentAnalytics } from '@segment/analytics-node'
import { afterEach, describe, expect, it } from 'vitest'
import { root } from './_build.ts'
import { until } from './_until.ts'

// The real Segment and RudderStack SDKs send consented and unconsented events to a real
// `patchbay serve`; three real HTTP receivers stand for destinations with different consent
// requirements, and each must get exactly the events its categories allow.

const cli = `${root}packages/cli/bin/patchbay.js`
const SEGMENT_KEY = 'wk_consent_segment_1'
const RUDDER_KEY = 'wk_consent_rudder_1'

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

/** A destination's endpoint on 127.0.0.1: records the event names it receives. */
async function receiver() {
  const events: string[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => {
      body += c
    })
    req.on('end', () => {
      const parsed = JSON.parse(body) as unknown
      for (const e of Array.isArray(parsed) ? parsed : [parsed]) events.push((e as { event: string }).event)
      res.writeHead(200).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanup.push(() => new Promise((resolve) => server.close(resolve)))
  const { port } = server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}`, events }
}

function pipelineFile(dir: string, urls: Record<'warehouse' | 'analytics' | 'ads', string>) {
  const file = join(dir, 'pipeline.yaml')
  writeFileSync(
    file,
    `name: consent-e2e
sources:
  - id: web
    writeKey: ${SEGMENT_KEY}
    consent: { whenMissing: deny }
  - id: server
    writeKey: ${RUDDER_KEY}
destinations:
  - id: warehouse
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${urls.warehouse}/in" }
  - id: analytics
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${urls.analytics}/in" }
    consent: { categories: [Analytics] }
  - id: ads
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${urls.ads}/in" }
    consent: { categories: [Advertising, C0004], match: any }
egress: { allow: ["127.0.0.1"] }
`,
  )
  return file
}

/** Segment's shape: `context.consent.categoryPreferences`. */
const segmentCalls: Array<[string, Record<string, unknown> | undefined]> = [
  ['s-all', { consent: { categoryPreferences: { Analytics: true, Advertising: true } } }],
  ['s-analytics', { consent: { categoryPreferences: { Analytics: true, Advertising: false } } }],
  ['s-refused', { consent: { categoryPreferences: { Analytics: false, Advertising: false } } }],
  ['s-none', undefined],
  ['s-malformed', { consent: { categoryPreferences: 'Analytics' } }],
  ['s-lowercase', { consent: { categoryPreferences: { analytics: true, advertising: true } } }],
]
/** RudderStack's shape: `context.consentManagement`. */
const rudderCalls: Array<[string, Record<string, unknown> | undefined]> = [
  [
    'r-ads',
    {
      consentManagement: {
        provider: 'oneTrust',
        allowedConsentIds: ['C0004'],
        deniedConsentIds: ['Analytics'],
      },
    },
  ],
  ['r-denied-only', { consentManagement: { provider: 'oneTrust', deniedConsentIds: ['C0004'] } }],
  ['r-none', undefined],
  [
    'r-all-denied',
    {
      consentManagement: {
        provider: 'custom',
        allowedConsentIds: [],
        deniedConsentIds: ['Analytics', 'Advertising', 'C0004'],
      },
    },
  ],
]
const ALL = [...segmentCalls, ...rudderCalls].map(([name]) => name).sort()

function serve(file: string, dataDir: string) {
  const child = spawn(process.execPath, [cli, 'serve', file, '--port', '0', '--data-dir', dataDir], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
    detached: true,
  })
  cleanup.push(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {}
  })
  const out = { stdout: '', stderr: '' }
  child.stdout.on('data', (c: Buffer) => {
    out.stdout += c
  })
  child.stderr.on('data', (c: Buffer) => {
    out.stderr += c
  })
  return out
}

function run(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => {
      stdout += c
    })
    child.stderr.on('data', (c: Buffer) => {
      stderr += c
    })
    child.once('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Sums the samples of one metric whose labels include all of `labels`. */
function metric(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue
    sum += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return sum
}

describe('consent with the real SDKs through patchbay serve', () => {
  it('each destination receives exactly the events its categories allow; metrics and patchbay run count the rest', async () => {
    // Inside the checkout, so the pipeline finds the webhook destination in its node_modules.
    mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true })
    const dir = mkdtempSync(join(root, 'node_modules', '.cache', 'pb-consent-'))
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
    const warehouse = await receiver()
    const analytics = await receiver()
    const ads = await receiver()
    const file = pipelineFile(dir, { warehouse: warehouse.url, analytics: analytics.url, ads: ads.url })
    const out = serve(file, join(dir, 'data'))
    await until(
      () => /listening on (\S+)/.test(out.stdout),
      () => out.stdout + out.stderr,
      60_000,
    )
    const gateway = /listening on (\S+)/.exec(out.stdout)![1]!

    const segment = new SegmentAnalytics({
      writeKey: SEGMENT_KEY,
      host: gateway,
      flushAt: 20,
      flushInterval: 10_000,
    })
    const segmentErrors: unknown[] = []
    segment.on('error', (e) => segmentErrors.push(e))
    for (const [event, context] of segmentCalls)
      segment.track({ anonymousId: `anon-${event}`, event, ...(context ? { context } : {}) })
    await segment.closeAndFlush({ timeout: 30_000 })
    expect(segmentErrors).toEqual([])

    const rudder = new RudderAnalytics(RUDDER_KEY, {
      dataPlaneUrl: gateway,
      flushAt: 20,
      flushInterval: 10_000,
    })
    const rudderErrors: unknown[] = []
    let rudderAcked = 0
    for (const [event, context] of rudderCalls)
      rudder.track(
        { anonymousId: `anon-${event}`, event, ...(context ? { context: context as never } : {}) },
        (err?: unknown) => (err ? rudderErrors.push(err) : rudderAcked++),
      )
    await rudder.flush()
    await until(
      () => rudderAcked + rudderErrors.length === rudderCalls.length,
      () => 'the RudderStack SDK callbacks',
    )
    expect(rudderErrors).toEqual([])

    // Every event is accounted for at every destination (delivered, or dropped by the route
    // stage) before the receivers are compared: nothing can arrive later.
    let metrics = ''
    await until(
      () => {
        void fetch(`${gateway}/metrics`)
          .then((r) => r.text())
          .then(
            (t) => {
              metrics = t
            },
            () => {},
          )
        return ['warehouse', 'analytics', 'ads'].every(
          (destination) =>
            metric(metrics, 'patchbay_deliveries_total', { destination, status: 'delivered' }) +
              metric(metrics, 'patchbay_deliveries_total', { destination, status: 'dropped' }) ===
            ALL.length,
        )
      },
      () => `every event settled at every destination; metrics:\n${metrics}\n${out.stderr}`,
      60_000,
    )

    expect(warehouse.events.sort()).toEqual(ALL)
    expect(analytics.events.sort()).toEqual(['r-denied-only', 'r-none', 's-all', 's-analytics'])
    expect(ads.events.sort()).toEqual(['r-ads', 'r-denied-only', 'r-none', 's-all'])

    // Bounded labels: source and destination ids from the file, closed sets for the rest.
    const dropped = (source: string, destination: string, because: string) =>
      metric(metrics, 'patchbay_consent_dropped_total', { source, destination, because })
    expect(dropped('web', 'analytics', 'not_consented')).toBe(2) // s-refused, s-lowercase
    expect(dropped('web', 'analytics', 'missing')).toBe(2) // s-none, s-malformed (source says deny)
    expect(dropped('server', 'analytics', 'not_consented')).toBe(2) // r-ads, r-all-denied
    expect(dropped('web', 'ads', 'not_consented')).toBe(3)
    expect(dropped('web', 'ads', 'missing')).toBe(2)
    expect(dropped('server', 'ads', 'not_consented')).toBe(1)
    expect(
      metric(metrics, 'patchbay_consent_malformed_total', { source: 'web', reason: 'segment_not_object' }),
    ).toBe(1)
    expect(
      metric(metrics, 'patchbay_deliveries_total', { destination: 'warehouse', status: 'dropped' }),
    ).toBe(0)
    // The default for the source without a policy is announced, not guessed silently.
    expect(out.stdout + out.stderr).toContain('consent.whenMissing defaults to allow')

    // `patchbay run` over the same events (from no source: the pipeline default, allow).
    const lines = [...segmentCalls, ...rudderCalls].map(([event, context], i) =>
      JSON.stringify({
        type: 'track',
        event,
        anonymousId: `anon-${event}`,
        messageId: `m-${i}`,
        ...(context ? { context } : {}),
      }),
    )
    const input = join(dir, 'events.jsonl')
    writeFileSync(input, `${lines.join('\n')}\n`)
    const result = await run(['run', file, '--input', input])
    expect(result.stderr).not.toContain('Error')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(
      /analytics .*: delivered 6, dropped 4, failed 0\n\s+4 × consent at destinations\.analytics/,
    )
    expect(result.stdout).toMatch(
      /ads .*: delivered 6, dropped 4, failed 0\n\s+4 × consent at destinations\.ads/,
    )
    expect(result.stdout).toMatch(/warehouse .*: delivered 10, dropped 0, failed 0/)
  }, 180_000)
})
