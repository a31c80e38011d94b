import { describe, expect, it } from 'vitest'
import { createMetricsRegistry } from '../../src/metrics/index.ts'

describe('histogram', () => {
  it('counts each observation in the first bucket that holds it and renders the buckets cumulatively', () => {
    const metrics = createMetricsRegistry()
    const latency = metrics.histogram({
      name: 'latency_seconds',
      help: 'Latency.',
      labels: ['destination'],
      buckets: [0.25, 1, 10],
    })
    // On a bound counts in that bucket (le is "less than or equal").
    for (const seconds of [0.125, 0.25, 0.5, 1, 3, 60]) latency.observe({ destination: 'crm' }, seconds)
    latency.observe({ destination: 'ads' }, 0.2)

    expect(latency.get({ destination: 'crm' })).toEqual({ buckets: [2, 4, 5, 6], sum: 64.875, count: 6 })
    expect(latency.get({ destination: 'billing' })).toEqual({ buckets: [0, 0, 0, 0], sum: 0, count: 0 })
    expect(metrics.render()).toBe(
      [
        '# HELP latency_seconds Latency.',
        '# TYPE latency_seconds histogram',
        'latency_seconds_bucket{destination="crm",le="0.25"} 2',
        'latency_seconds_bucket{destination="crm",le="1"} 4',
        'latency_seconds_bucket{destination="crm",le="10"} 5',
        'latency_seconds_bucket{destination="crm",le="+Inf"} 6',
        'latency_seconds_sum{destination="crm"} 64.875',
        'latency_seconds_count{destination="crm"} 6',
        'latency_seconds_bucket{destination="ads",le="0.25"} 1',
        'latency_seconds_bucket{destination="ads",le="1"} 1',
        'latency_seconds_bucket{destination="ads",le="10"} 1',
        'latency_seconds_bucket{destination="ads",le="+Inf"} 1',
        'latency_seconds_sum{destination="ads"} 0.2',
        'latency_seconds_count{destination="ads"} 1',
        '',
      ].join('\n'),
    )
  })

  it("uses Prometheus's default buckets when given none", () => {
    const metrics = createMetricsRegistry()
    metrics.histogram({ name: 'h', help: 'h' }).observe({}, 0.3)
    const les = [...metrics.render().matchAll(/le="([^"]+)"\} (\d+)/g)].map(([, le, n]) => `${le}:${n}`)
    expect(les).toEqual([
      '0.005:0',
      '0.01:0',
      '0.025:0',
      '0.05:0',
      '0.1:0',
      '0.25:0',
      '0.5:1',
      '1:1',
      '2.5:1',
      '5:1',
      '10:1',
      '+Inf:1',
    ])
  })
})
