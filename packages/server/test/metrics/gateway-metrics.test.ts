import { describe, expect, it } from 'vitest'
import { createGatewayMetrics, DELIVERY_LATENCY_BUCKETS } from '../../src/metrics/index.ts'
import type { StoreStats } from '../../src/store/index.ts'

const idle = (): StoreStats => ({ pendingEvents: 0, jobs: {}, deadLetters: {}, oldestPendingAt: null })

/** The sample lines of one metric (its name followed by `{` or a space), in order. */
const samples = (text: string, name: string) =>
  text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))

describe('createGatewayMetrics', () => {
  it('defines exactly the gateway metrics, with help text, types and series at 0 for named destinations', () => {
    const metrics = createGatewayMetrics(idle, { destinations: ['crm'] })
    const text = metrics.render()
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
      '# TYPE patchbay_storage_full gauge',
      '# TYPE patchbay_internal_errors_total counter',
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

  it('counts what the typed calls report', () => {
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
    const text = metrics.render()
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

  it('buckets delivery latency from 5 ms to a day', () => {
    expect(DELIVERY_LATENCY_BUCKETS).toEqual([
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 3600, 86400,
    ])
    const metrics = createGatewayMetrics(idle)
    metrics.delivered('crm', 0.02)
    metrics.delivered('crm', 7200)
    expect(samples(metrics.render(), 'patchbay_delivery_latency_seconds_bucket').slice(-6)).toEqual([
      'patchbay_delivery_latency_seconds_bucket{destination="crm",le="10"} 1',
      'patchbay_delivery_latency_seconds_bucket{destination="crm",le="30"} 1',
      'patchbay_delivery_latency_seconds_bucket{destination="crm",le="60"} 1',
      'patchbay_delivery_latency_seconds_bucket{destination="crm",le="3600"} 1',
      'patchbay_delivery_latency_seconds_bucket{destination="crm",le="86400"} 2',
      'patchbay_delivery_latency_seconds_bucket{destination="crm",le="+Inf"} 2',
    ])
  })

  it('reads the store stats once per render, live; an emptied queue reads 0 instead of vanishing', () => {
    let stats: StoreStats = {
      pendingEvents: 4,
      jobs: { crm: { waiting: 5, in_flight: 2, retrying: 1 } },
      deadLetters: { ads: 3 },
      oldestPendingAt: 1000,
    }
    let reads = 0
    const metrics = createGatewayMetrics(() => {
      reads++
      return stats
    })
    const first = metrics.render()
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

    stats = idle()
    const second = metrics.render()
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
})
