import { describe, expect, it } from 'vitest'
import { sandboxFor, track } from './_helpers.ts'

/** Which worker ran each event: module state is per worker, so a random number tells them apart. */
const WHO = `const me = Math.random()
export function transformEvent(event) { return { ...event, worker: me } }`

describe('spreading a batch over the workers', () => {
  it('runs one batch of 200 on both workers, in order, and a batch of 10 on one', async () => {
    const sandbox = sandboxFor({ poolSize: 2, spread: 'always' })
    try {
      const t = await sandbox.compile(WHO, { filename: 'who.js' })
      const events = Array.from({ length: 200 }, (_, i) => track(`m-${i}`))
      const { results } = await t.run(events, {})
      const out = results.map((r) =>
        r.ok ? (r.events[0] as { messageId: string; worker: number }) : undefined,
      )
      // Results come back in input order whatever piece they crossed in.
      expect(out.map((e) => e?.messageId)).toEqual(events.map((e) => e.messageId))
      const workers = new Set(out.map((e) => e?.worker))
      expect(workers.size).toBe(2)
      // The first half ran in one worker, the second in the other.
      expect(new Set(out.slice(0, 100).map((e) => e?.worker)).size).toBe(1)
      expect(new Set(out.slice(100).map((e) => e?.worker)).size).toBe(1)

      const small = await t.run(events.slice(0, 10), {})
      const smallWorkers = new Set(
        small.results.map((r) => (r.ok ? (r.events[0] as { worker: number }).worker : 0)),
      )
      expect(smallWorkers.size).toBe(1)
    } finally {
      await sandbox.dispose()
    }
  }, 60_000)

  it('fails the whole batch when one piece hits a limit, as if it had crossed in one piece', async () => {
    const sandbox = sandboxFor({ poolSize: 2, cpuTimeMs: 200, spread: 'always' })
    try {
      const t = await sandbox.compile(
        `export function transformEvent(event) { if (event.messageId === 'm-190') for (;;) {} return event }`,
        { filename: 'loop.js' },
      )
      const events = Array.from({ length: 200 }, (_, i) => track(`m-${i}`))
      const { results } = await t.run(events, {})
      expect(results).toHaveLength(200)
      expect(results.every((r) => !r.ok && r.error.code === 'PB_SANDBOX_TIMEOUT')).toBe(true)
    } finally {
      await sandbox.dispose()
    }
  }, 60_000)

  it('with spread: never, runs a batch of 100 whole on one worker', async () => {
    const sandbox = sandboxFor({ poolSize: 2, spread: 'never' })
    try {
      const t = await sandbox.compile(WHO, { filename: 'who.js' })
      const events = Array.from({ length: 100 }, (_, i) => track(`m-${i}`))
      const { results } = await t.run(events, {})
      const workers = new Set(results.map((r) => (r.ok ? (r.events[0] as { worker: number }).worker : 0)))
      expect(workers.size).toBe(1)
    } finally {
      await sandbox.dispose()
    }
  }, 60_000)
})
