import { describe, expect, it } from 'vitest'
import { sandboxFor, track } from './_helpers.ts'

describe('soak', () => {
  it('runs a million events through one pool without failing any, and the isolate heap stays flat', async () => {
    const sandbox = sandboxFor()
    try {
      const t = await sandbox.compile(
        `const seen = new Set()
        export function transformEvent(event, metadata) {
          if (event.event === 'Heartbeat') return null
          seen.add(event.messageId.slice(-1))
          if (event.messageId.endsWith('7')) log('seven', event.messageId)
          return { ...event, sourceId: metadata(event).sourceId, tags: ['a', 'b'], n: seen.size }
        }`,
        { filename: 'soak.js' },
      )
      const batch = Array.from({ length: 1000 }, (_, i) =>
        track(`m-${i}`, { event: i % 10 === 0 ? 'Heartbeat' : 'Order Completed' }),
      )
      let failed = 0
      let out = 0
      const heap: number[] = []
      for (let b = 0; b < 1000; b++) {
        const { results } = await t.run(batch, { sourceId: 'web' })
        for (const r of results) {
          if (!r.ok) failed++
          else out += r.events.length
        }
        if (b % 100 === 99) heap.push(sandbox.stats().heapUsedBytes)
      }
      expect(failed).toBe(0)
      expect(out).toBe(900_000)
      // Chunks of a big batch spread over both workers; none was ever replaced.
      expect(sandbox.stats().workersStarted).toBe(2)
      // A leak of even 10 KB per batch would add 10 MB over the run.
      expect(Math.max(...heap)).toBeLessThan(heap[0]! + 8 * 1024 * 1024)
    } finally {
      await sandbox.dispose()
    }
  }, 120_000)
})
