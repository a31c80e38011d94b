import { describe, expect, it } from 'vitest'
import { createMetricsRegistry } from '../../src/metrics/index.ts'

describe('gauge', () => {
  it('is set, raised and lowered', () => {
    const metrics = createMetricsRegistry()
    const connections = metrics.gauge({ name: 'connections', help: 'Open connections.', labels: ['port'] })
    connections.inc({ port: '80' })
    connections.inc({ port: '80' }, 4)
    connections.dec({ port: '80' })
    connections.set({ port: '443' }, 7)
    expect(connections.get({ port: '80' })).toBe(4)
    expect(metrics.render()).toContain('connections{port="80"} 4\nconnections{port="443"} 7\n')
  })

  it('reads a callback at every render: live values, and only the series it sets', () => {
    const queues = new Map<string, number>([['crm', 3]])
    let reads = 0
    const metrics = createMetricsRegistry()
    metrics.gauge({
      name: 'queue_length',
      help: 'Jobs queued.',
      labels: ['queue'],
      collect(set) {
        reads++
        for (const [queue, n] of queues) set({ queue }, n)
      },
    })
    expect(reads).toBe(0)
    expect(metrics.render()).toBe(
      '# HELP queue_length Jobs queued.\n# TYPE queue_length gauge\nqueue_length{queue="crm"} 3\n',
    )
    queues.set('crm', 0)
    queues.set('ads', 12)
    expect(metrics.render()).toContain('queue_length{queue="crm"} 0\nqueue_length{queue="ads"} 12\n')
    queues.delete('crm')
    expect(metrics.render()).not.toContain('queue="crm"')
    expect(reads).toBe(3)
  })

  it('fails the render when the callback throws', () => {
    const metrics = createMetricsRegistry()
    metrics.gauge({
      name: 'broken',
      help: '',
      collect: () => {
        throw new Error('The store in ./data is closed')
      },
    })
    expect(() => metrics.render()).toThrow('The store in ./data is closed')
  })
})
