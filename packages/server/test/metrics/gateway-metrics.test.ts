import { register as globalRegistry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { createGatewayMetrics, DELIVERY_LATENCY_BUCKETS } from '../../src/metrics/index.ts'
import type { StoreStats } from '../../src/store/index.ts'

const idle = async (): Promise<StoreStats> => ({
  pendingEvents: 0,
  jobs: {},
  deadLetters: {},
  oldestPendingAt: null,
})

/** The sample lines of one metric (its name followed by `{` or a space), in order. */
const samples = (text: string, name: string) =>
  text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))

/**
 * Parses the text exposition format 0.0.4 as a scraper does, strictly: every line is a HELP, a
 * TYPE, a sample of the family just declared, or blank; label values are quoted with `\\`, `\"`
 * and `\n` escapes only; values are numbers or +Inf/-Inf/NaN. Returns the samples, unescaped.
 */
function scrape(text: string) {
  const families = new Map<string, { help: string; type: string }>()
  const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = []
  let family: string | undefined
  expect(text.endsWith('\n')).toBe(true)
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue
    const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line)
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$/.exec(line)
    if (help) {
      expect(families.has(help[1]!), `${help[1]} declared twice`).toBe(false)
      family = help[1]!
      families.set(family, { help: help[2]!, type: '' })
      continue
    }
    if (type) {
      expect(type[1]).toBe(family)
      families.get(family!)!.type = type[2]!
      continue
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    expect(sample, `not a sample line: ${line}`).not.toBeNull()
    const [, name, labelText = '', valueText] = sample!
    const suffixes = families.get(family!)?.type === 'histogram' ? ['_bucket', '_sum', '_count'] : ['']
    expect(
      suffixes.map((suffix) => `${family}${suffix}`),
      line,
    ).toContain(name)
    const labels: Record<string, string> = {}
    const pair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y
    while (pair.lastIndex < labelText.length) {
      const m = pair.exec(labelText)
      expect(m, `bad labels in: ${line}`).not.toBeNull()
      labels[m![1]!] = m![2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    }
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText)
    expect(Number.isNaN(value) && valueText !== 'NaN', `bad value in: ${line}`).toBe(false)
    samples.push({ name: name!, labels, value })
  }
  return { families, samples }
}

describe('createGatewayMetrics', () => {
  it('defines exactly the gateway metrics, with help text, types and series at 0 for named destinations', async () => {
    const metrics = createGatewayMetrics(idle, { destinations: ['crm'] })
    const text = await metrics.render()
    expect(text.split('\n').filter((line) => line.startsWith('# TYPE'))).toEqual([
      '# TYPE patchbay_events_accepted_total counter',
      '# TYPE patchbay_events_rejected_total counter',
      '# TYPE patchbay_deliveries_total counter',
      '# TYPE patchbay_queue_jobs gauge',
      '# TYPE patchbay_queue_pending_events gauge',
      '# TYPE patchbay_dead_letters gauge',
      '# TYPE patchbay_delivery_latency_seconds histogram',
      '# TYPE patchbay_ingest_requests_total counter',
      '# TYPE patchbay_events_stopped_total counter',
      '# TYPE patchbay_events_suppressed_total counter',
      '# TYPE patchbay_consent_dropped_total counter',
      '# TYPE patchbay_consent_malformed_total counter',
      '# TYPE patchbay_storage_full gauge',
      '# TYPE patchbay_internal_errors_total counter',
      '# TYPE patchbay_plan_events_total counter',
      '# TYPE patchbay_plan_violations_total counter',
    ])
    expect(samples(text, 'patchbay_storage_full')).toEqual(['patchbay_storage_full 0'])
    expect(samples(text, 'patchbay_internal_errors_total')).toEqual([
      'patchbay_internal_errors_total{where="request"} 0',
      'patchbay_internal_errors_total{where="admin"} 0',
      'patchbay_internal_errors_total{where="delivery"} 0',
      'patchbay_internal_errors_total{where="uncaught"} 0',
    ])
    expect(text).toContain(
      '# HELP patchbay_delivery_latency_seconds Seconds from accepting an event to delivering it, per destination.\n',
    )
    expect(samples(text, 'patchbay_deliveries_total')).toEqual([
      'patchbay_deliveries_total{destination="crm",status="delivered"} 0',
      'patchbay_deliveries_total{destination="crm",status="retried"} 0',
      'patchbay_deliveries_total{destination="crm",status="aborted"} 0',
      'patchbay_deliveries_total{destination="crm",status="dropped"} 0',
    ])
    expect(samples(text, 'patchbay_queue_jobs')).toEqual([
      'patchbay_queue_jobs{destination="crm",state="waiting"} 0',
      'patchbay_queue_jobs{destination="crm",state="in_flight"} 0',
      'patchbay_queue_jobs{destination="crm",state="retrying"} 0',
    ])
    expect(samples(text, 'patchbay_queue_pending_events')).toEqual(['patchbay_queue_pending_events 0'])
    expect(samples(text, 'patchbay_dead_letters')).toEqual(['patchbay_dead_letters{destination="crm"} 0'])
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8')
  })

  it('counts what the typed calls report', async () => {
    const metrics = createGatewayMetrics(idle)
    metrics.accepted('web', 20)
    metrics.accepted('web')
    metrics.rejected('web', 'too_large', 3)
    metrics.rejected('app', 'unauthorized')
    metrics.retried('crm')
    metrics.aborted('crm', 2)
    metrics.dropped('ads')
    metrics.delivered('crm', 0.02)
    metrics.delivered('crm', 7200)
    metrics.ingestRequest('/v1/batch', 200)
    metrics.ingestRequest('/v1/batch', 413)
    metrics.consentDropped('web', 'ads', 'not_consented')
    metrics.consentDropped('web', 'ads', 'not_consented')
    metrics.consentDropped('app', 'ads', 'missing')
    metrics.consentIssues('web', ['segment_not_boolean', 'conflicting'])
    metrics.consentIssues('web', ['conflicting'])
    const text = await metrics.render()
    expect(samples(text, 'patchbay_consent_dropped_total')).toEqual([
      'patchbay_consent_dropped_total{source="web",destination="ads",because="not_consented"} 2',
      'patchbay_consent_dropped_total{source="app",destination="ads",because="missing"} 1',
    ])
    expect(samples(text, 'patchbay_consent_malformed_total')).toEqual([
      'patchbay_consent_malformed_total{source="web",reason="segment_not_boolean"} 1',
      'patchbay_consent_malformed_total{source="web",reason="conflicting"} 2',
    ])
    expect(samples(text, 'patchbay_events_accepted_total')).toEqual([
      'patchbay_events_accepted_total{source="web"} 21',
    ])
    expect(samples(text, 'patchbay_events_rejected_total')).toEqual([
      'patchbay_events_rejected_total{source="web",reason="too_large"} 3',
      'patchbay_events_rejected_total{source="app",reason="unauthorized"} 1',
    ])
    expect(samples(text, 'patchbay_deliveries_total')).toEqual([
      'patchbay_deliveries_total{destination="crm",status="retried"} 1',
      'patchbay_deliveries_total{destination="crm",status="aborted"} 2',
      'patchbay_deliveries_total{destination="ads",status="dropped"} 1',
      'patchbay_deliveries_total{destination="crm",status="delivered"} 2',
    ])
    expect(samples(text, 'patchbay_ingest_requests_total')).toEqual([
      'patchbay_ingest_requests_total{endpoint="/v1/batch",status="200"} 1',
      'patchbay_ingest_requests_total{endpoint="/v1/batch",status="413"} 1',
    ])
  })

  it('buckets delivery latency from 5 ms to a day', async () => {
    expect(DELIVERY_LATENCY_BUCKETS).toEqual([
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 3600, 86400,
    ])
    const metrics = createGatewayMetrics(idle)
    metrics.delivered('crm', 0.02)
    metrics.delivered('crm', 7200)
    expect(samples(await metrics.render(), 'patchbay_delivery_latency_seconds_bucket').slice(-6)).toEqual([
      'patchbay_delivery_latency_seconds_bucket{le="10",destination="crm"} 1',
      'patchbay_delivery_latency_seconds_bucket{le="30",destination="crm"} 1',
      'patchbay_delivery_latency_seconds_bucket{le="60",destination="crm"} 1',
      'patchbay_delivery_latency_seconds_bucket{le="3600",destination="crm"} 1',
      'patchbay_delivery_latency_seconds_bucket{le="86400",destination="crm"} 2',
      'patchbay_delivery_latency_seconds_bucket{le="+Inf",destination="crm"} 2',
    ])
  })

  it('reads the store stats once per render, live; an emptied queue reads 0 instead of vanishing', async () => {
    let stats: StoreStats = {
      pendingEvents: 4,
      jobs: { crm: { waiting: 5, in_flight: 2, retrying: 1 } },
      deadLetters: { ads: 3 },
      oldestPendingAt: 1000,
    }
    let reads = 0
    const metrics = createGatewayMetrics(async () => {
      reads++
      return stats
    })
    const first = await metrics.render()
    expect(reads).toBe(1)
    expect(samples(first, 'patchbay_queue_jobs')).toEqual([
      'patchbay_queue_jobs{destination="crm",state="waiting"} 5',
      'patchbay_queue_jobs{destination="crm",state="in_flight"} 2',
      'patchbay_queue_jobs{destination="crm",state="retrying"} 1',
      'patchbay_queue_jobs{destination="ads",state="waiting"} 0',
      'patchbay_queue_jobs{destination="ads",state="in_flight"} 0',
      'patchbay_queue_jobs{destination="ads",state="retrying"} 0',
    ])
    expect(samples(first, 'patchbay_queue_pending_events')).toEqual(['patchbay_queue_pending_events 4'])
    expect(samples(first, 'patchbay_dead_letters')).toEqual([
      'patchbay_dead_letters{destination="crm"} 0',
      'patchbay_dead_letters{destination="ads"} 3',
    ])

    stats = await idle()
    const second = await metrics.render()
    expect(reads).toBe(2)
    expect(samples(second, 'patchbay_queue_jobs')[0]).toBe(
      'patchbay_queue_jobs{destination="crm",state="waiting"} 0',
    )
    expect(samples(second, 'patchbay_queue_pending_events')).toEqual(['patchbay_queue_pending_events 0'])
    expect(samples(second, 'patchbay_dead_letters')).toEqual([
      'patchbay_dead_letters{destination="crm"} 0',
      'patchbay_dead_letters{destination="ads"} 0',
    ])
  })

  it('renders an exposition a scraper parses, with label values escaped as given', async () => {
    const metrics = createGatewayMetrics(idle, { destinations: ['crm'] })
    const odd = 'we"b\\app\nline2'
    metrics.accepted(odd, 2)
    metrics.stopped('web', 'failed', 'transformations.geo')
    metrics.delivered('crm', 0.3)
    const text = await metrics.render()
    expect(text).toContain('patchbay_events_accepted_total{source="we\\"b\\\\app\\nline2"} 2\n')
    const { families, samples: all } = scrape(text)
    // 11 gateway families, 1 for regulations, 2 for consent, 2 for tracking plans.
    expect(families.size).toBe(16)
    for (const [name, { help, type }] of families) {
      expect(help, name).not.toBe('')
      expect(type, name).not.toBe('')
    }
    expect(all.find((s) => s.name === 'patchbay_events_accepted_total')).toEqual({
      name: 'patchbay_events_accepted_total',
      labels: { source: odd },
      value: 2,
    })
    expect(all.find((s) => s.name === 'patchbay_events_stopped_total')?.labels).toEqual({
      source: 'web',
      status: 'failed',
      step: 'transformations.geo',
    })
    const buckets = all.filter((s) => s.name === 'patchbay_delivery_latency_seconds_bucket')
    expect(buckets.map((s) => s.labels.le)).toEqual([...DELIVERY_LATENCY_BUCKETS.map(String), '+Inf'])
    expect(buckets.map((s) => s.value)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
  })

  it("keeps each gateway's counts in its own registry, never prom-client's global one", async () => {
    const one = createGatewayMetrics(idle)
    const two = createGatewayMetrics(idle)
    one.accepted('web', 5)
    two.accepted('web', 7)
    expect(samples(await one.render(), 'patchbay_events_accepted_total')).toEqual([
      'patchbay_events_accepted_total{source="web"} 5',
    ])
    expect(samples(await two.render(), 'patchbay_events_accepted_total')).toEqual([
      'patchbay_events_accepted_total{source="web"} 7',
    ])
    expect(await globalRegistry.metrics()).not.toContain('patchbay_')
  })

  it('sets the scrape-time gauges once per render, so renders at the same time agree', async () => {
    let pending = 0
    const metrics = createGatewayMetrics(async () => ({ ...(await idle()), pendingEvents: ++pending }))
    const [a, b] = await Promise.all([metrics.render(), metrics.render()])
    expect(samples(a, 'patchbay_queue_pending_events')).toEqual(['patchbay_queue_pending_events 1'])
    expect(samples(b, 'patchbay_queue_pending_events')).toEqual(['patchbay_queue_pending_events 2'])
  })
})
