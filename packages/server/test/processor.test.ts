import type { Pipeline, RouteDecision } from '@patchbay/core'
import { describe, expect, it } from 'vitest'
import { createWakeup } from '../src/delivery/_wakeup.ts'
import { startProcessor } from '../src/delivery/processor.ts'
import { waitFor } from './_gateway.ts'
import { useStores } from './store/_helpers.ts'

// The processor with a real SQLite store and a scripted pipeline: what happens when the
// transformations throw for a whole batch (not per event).

const { open } = useStores()

const track = (messageId: string) => ({ type: 'track', event: 'E', userId: 'u', messageId })
const routed = (): RouteDecision[] => [
  { destination: 'a', status: 'routed' },
  { destination: 'b', status: 'routed' },
]

/** A pipeline whose transform throws whenever the batch holds a `poison` event, and marks the others. */
function scripted(poison: Set<string>): Pick<Pipeline, 'transform' | 'route'> & { calls: number } {
  const p = {
    calls: 0,
    async transform(events: readonly unknown[]) {
      p.calls++
      const ids = events.map((e) => (e as { messageId: string }).messageId)
      if (ids.some((id) => poison.has(id)))
        throw new Error(`the sandbox could not start (${ids.length} events)`)
      return {
        events: events.map((e, index) => ({
          index,
          event: { ...(e as object), transformed: true } as never,
        })),
        stopped: [],
      }
    },
    route: routed,
  }
  return p
}

describe('a transformation batch that throws', () => {
  it('ends: it is bisected, and after the attempts its poison event is a dead letter replayable through the transformations', async () => {
    const store = open({ now: () => Date.now() })
    await store.append(
      ['m1', 'm2', 'bad', 'm4'].map((id) => ({ sourceId: 'web', messageId: id, event: track(id) })),
    )
    const poison = new Set(['bad'])
    const pipeline = scripted(poison)
    const wakeup = createWakeup()
    const logs: string[] = []
    const processor = startProcessor({
      store,
      pipeline,
      destinations: [
        { id: 'a', ordering: 'none' },
        { id: 'b', ordering: 'user' },
      ],
      wakeup,
      onJobs: () => {},
      log: (r) => logs.push(r.message),
      pollMs: 10,
      maxTransformAttempts: 3,
    })
    try {
      await waitFor(
        async () => (await store.deadLetters.count()) === 2,
        'the poison event to be buried at both destinations',
      )
      expect((await store.stats()).pendingEvents).toBe(0)
      // The neighbours went on, transformed, one job per destination each.
      const jobs = await store.claim('a', { limit: 10, now: Date.now(), ordered: false })
      expect(jobs.map((j) => [j.messageId, (j.payload as { transformed?: boolean }).transformed])).toEqual([
        ['m1', true],
        ['m2', true],
        ['m4', true],
      ])
      const letters = await store.deadLetters.list()
      expect(letters.map((l) => [l.destinationId, l.messageId, l.step, l.sourceId, l.attempts])).toEqual([
        ['a', 'bad', 'transformations', 'web', 3],
        ['b', 'bad', 'transformations', 'web', 3],
      ])
      expect(letters[0]!.payload).toEqual(track('bad')) // kept untransformed
      expect(letters[0]!.reason).toContain('the sandbox could not start')
      // Bounded: not a once-a-second loop. Nothing is left to run.
      const calls = pipeline.calls
      await new Promise((r) => setTimeout(r, 100))
      expect(pipeline.calls).toBe(calls)

      // The fix is deployed; a replay of the dead letter at `b` runs the transformations again
      // and queues a job for `b` only.
      poison.clear()
      expect(await store.deadLetters.replay({ destinationId: 'b' }, Date.now())).toBe(1)
      wakeup.wake()
      await waitFor(async () => (await store.stats()).jobs.b?.waiting === 4, 'the replayed job at b')
      const atB = await store.claim('b', { limit: 10, now: Date.now(), ordered: false })
      expect(atB.find((j) => j.messageId === 'bad')?.payload).toEqual({ ...track('bad'), transformed: true })
      expect((await store.stats()).jobs.a?.in_flight).toBe(3) // nothing new at `a`
      expect(await store.deadLetters.count()).toBe(1)
    } finally {
      await processor.stop()
    }
  })
})
