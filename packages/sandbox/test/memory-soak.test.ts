import { describe, expect, it } from 'vitest'
import { sandboxFor, track } from './_helpers.ts'

const MB = 2 ** 20

/**
 * The documented memory bounds (docs/transformations.md, "Memory over long runs"), checked
 * over 300,000 events in batches of 100, each batch's output crossing back as ~35 KB of JSON.
 * Before the sandbox moved into worker processes, the host grew by ~190 bytes per event here
 * (isolated-vm's output strings, freed only by a full collection that never came).
 */
describe('memory over a long run', () => {
  it('keeps worker and host memory within their bounds over 300k events', async () => {
    const sandbox = sandboxFor({ poolSize: 1 })
    try {
      const t = await sandbox.compile(
        `export function transformEvent(event, metadata) {
          return { ...event, properties: { ...event.properties, cents: Math.round(event.properties.revenue * 100) }, sourceId: metadata(event).sourceId }
        }`,
        { filename: 'soak.js' },
      )
      const events = Array.from({ length: 100 }, (_, i) =>
        track(`m-${i}`, { context: { page: { path: `/p/${i}` } } }),
      )
      let failed = 0
      let warm: ReturnType<typeof sandbox.stats> | undefined
      let workerRss = 0
      let workerExternal = 0
      let hostRss = 0
      let hostExternal = 0
      for (let done = 0; done < 300_000; done += 100) {
        const { results } = await t.run(events, { sourceId: 'web' })
        for (const r of results) if (!r.ok) failed++
        if (done === 50_000) warm = sandbox.stats()
        if (warm && done % 10_000 === 0) {
          const s = sandbox.stats()
          workerRss = Math.max(workerRss, s.workerRssBytes)
          workerExternal = Math.max(workerExternal, s.workerExternalBytes)
          hostRss = Math.max(hostRss, s.hostRssBytes)
          hostExternal = Math.max(hostExternal, s.hostExternalBytes)
        }
      }
      expect(failed).toBe(0)
      expect(sandbox.stats().workersStarted).toBe(1)
      // The worker: output strings are collected at least every 32 MiB of output.
      expect(workerExternal).toBeLessThan(96 * MB)
      expect(workerRss - warm!.workerRssBytes).toBeLessThan(64 * MB)
      // The host holds nothing of past batches: 250k events at 190 B each would be 45 MiB.
      expect(hostExternal).toBeLessThan(64 * MB)
      expect(hostRss - warm!.hostRssBytes).toBeLessThan(32 * MB)
    } finally {
      await sandbox.dispose()
    }
  }, 180_000)
})
