import { describe, expect, expectTypeOf, it } from 'vitest'
import { createMetricsRegistry, PROMETHEUS_CONTENT_TYPE } from '../../src/metrics/index.ts'

describe('createMetricsRegistry', () => {
  it('renders every family in registration order, series in the order they first appeared', () => {
    const metrics = createMetricsRegistry()
    const requests = metrics.counter({
      name: 'http_requests_total',
      help: 'HTTP requests.',
      labels: ['method', 'status'],
    })
    const up = metrics.gauge({ name: 'up', help: 'Whether the service is up.' })
    const size = metrics.histogram({ name: 'body_bytes', help: 'Body sizes.', buckets: [100, 1000] })
    requests.inc({ method: 'POST', status: '200' })
    requests.inc({ method: 'GET', status: '404' }, 2)
    requests.inc({ method: 'POST', status: '200' }, 3)
    up.set({}, 1)
    size.observe({}, 50)
    size.observe({}, 2000.5)

    expect(metrics.render()).toBe(
      [
        '# HELP http_requests_total HTTP requests.',
        '# TYPE http_requests_total counter',
        'http_requests_total{method="POST",status="200"} 4',
        'http_requests_total{method="GET",status="404"} 2',
        '# HELP up Whether the service is up.',
        '# TYPE up gauge',
        'up 1',
        '# HELP body_bytes Body sizes.',
        '# TYPE body_bytes histogram',
        'body_bytes_bucket{le="100"} 1',
        'body_bytes_bucket{le="1000"} 1',
        'body_bytes_bucket{le="+Inf"} 2',
        'body_bytes_sum 2050.5',
        'body_bytes_count 2',
        '',
      ].join('\n'),
    )
    expect(PROMETHEUS_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8')
  })

  it('starts unlabelled series at zero and labelled families empty', () => {
    const metrics = createMetricsRegistry()
    metrics.counter({ name: 'restarts_total', help: 'Restarts.' })
    metrics.counter({ name: 'errors_total', help: 'Errors.', labels: ['kind'] })
    expect(metrics.render()).toBe(
      [
        '# HELP restarts_total Restarts.',
        '# TYPE restarts_total counter',
        'restarts_total 0',
        '# HELP errors_total Errors.',
        '# TYPE errors_total counter',
        '',
      ].join('\n'),
    )
    expect(createMetricsRegistry().render()).toBe('')
  })

  it('escapes backslash, double quote and newline in label values, backslash and newline in help', () => {
    const metrics = createMetricsRegistry()
    const c = metrics.counter({
      name: 'odd_total',
      help: 'A \\ help\nwith two lines "quoted".',
      labels: ['v'],
    })
    c.inc({ v: 'C:\\dir "x"\nnext' })
    expect(metrics.render()).toBe(
      [
        '# HELP odd_total A \\\\ help\\nwith two lines "quoted".',
        '# TYPE odd_total counter',
        'odd_total{v="C:\\\\dir \\"x\\"\\nnext"} 1',
        '',
      ].join('\n'),
    )
  })

  it('spells infinities and NaN as Prometheus does', () => {
    const metrics = createMetricsRegistry()
    const g = metrics.gauge({ name: 'g', help: 'g', labels: ['k'] })
    g.set({ k: 'a' }, Number.POSITIVE_INFINITY)
    g.set({ k: 'b' }, Number.NEGATIVE_INFINITY)
    g.set({ k: 'c' }, 1e-7)
    expect(metrics.render().split('\n').slice(2, 5)).toEqual([
      'g{k="a"} +Inf',
      'g{k="b"} -Inf',
      'g{k="c"} 1e-7',
    ])
  })

  it('refuses invalid names, duplicate families, wrong labels and decreasing counters', () => {
    const metrics = createMetricsRegistry()
    expect(() => metrics.counter({ name: '1bad', help: '' })).toThrow(
      '"1bad" is not a valid Prometheus metric name',
    )
    expect(() => metrics.counter({ name: 'a', help: '', labels: ['__x'] })).toThrow(
      'a: "__x" cannot be a label name',
    )
    expect(() => metrics.histogram({ name: 'h', help: '', labels: ['le'] })).toThrow(
      'h: "le" cannot be a label name',
    )
    expect(() => metrics.histogram({ name: 'h2', help: '', buckets: [1, 1] })).toThrow('strictly increasing')
    const c = metrics.counter({ name: 'c_total', help: '', labels: ['source'] })
    expect(() => metrics.counter({ name: 'c_total', help: '' })).toThrow(
      'A metric named c_total is registered already',
    )
    expect(() => c.inc({ source: 'web' }, -1)).toThrow('c_total: -1 is not a valid increment')
    expect(() => c.inc({ source: 'web', extra: 'x' } as never)).toThrow(
      'c_total takes the labels {source} as strings; got {"source":"web","extra":"x"}',
    )
    expect(() => c.inc({ source: 1 } as never)).toThrow('c_total takes the labels {source} as strings')
    expect(c.get({ source: 'web' })).toBe(0)
  })

  it('types label values from the label names', () => {
    const metrics = createMetricsRegistry()
    const c = metrics.counter({ name: 'typed_total', help: '', labels: ['source', 'reason'] })
    expectTypeOf(c.inc).parameter(0).toEqualTypeOf<Readonly<Record<'source' | 'reason', string>>>()
    // @ts-expect-error: a label is missing
    expect(() => c.inc({ source: 'web' })).toThrow()
    const plain = metrics.gauge({ name: 'plain', help: '' })
    expectTypeOf(plain.set).parameter(0).toEqualTypeOf<Readonly<Record<never, string>>>()
  })
})
