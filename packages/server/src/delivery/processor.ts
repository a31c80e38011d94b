import type { LogSink, Pipeline } from '@patchbay/core'
import type { NewJob, Store, StoredEvent } from '../store/store.ts'
import type { Wakeup } from './_wakeup.ts'

/** A destination as the processor and its workers see it. */
export interface GatewayDestination {
  id: string
  /** `user`: one user's jobs are delivered one at a time, in order. */
  ordering: 'none' | 'user'
}

/** Sandbox failures that fail a whole batch of user code, whichever event caused them. */
const BATCH_FAILURES = new Set([
  'PB_SANDBOX_TIMEOUT',
  'PB_SANDBOX_MEMORY_LIMIT',
  'PB_SANDBOX_OUTPUT_LIMIT',
  'PB_SANDBOX_CRASHED',
])
/** Failures that took the sandbox (a worker, an isolate) down: the event is tried again alone, up to the attempt limit. */
const WORKER_DOWN = new Set(['PB_SANDBOX_TIMEOUT', 'PB_SANDBOX_MEMORY_LIMIT', 'PB_SANDBOX_CRASHED'])
/** Default of `sandbox.maxTransformAttempts`. */
export const DEFAULT_MAX_TRANSFORM_ATTEMPTS = 3

type TransformResult = Awaited<ReturnType<Pipeline['transform']>>

/**
 * Runs the transformations, isolating poison events: when user code fails a whole batch (an
 * endless loop, a memory bomb), the batch is split in halves and each half tried again, so
 * only the events that cause the failure fail, not their neighbours.
 */
async function transformIsolating(
  pipeline: Pick<Pipeline, 'transform'>,
  events: unknown[],
  sourceId: string,
): Promise<TransformResult> {
  const result = await pipeline.transform(events, { sourceId, normalized: true })
  const poisoned = result.stopped.some((s) => s.error && BATCH_FAILURES.has(s.error.code))
  if (!poisoned || events.length === 1) return result
  const half = Math.ceil(events.length / 2)
  const left = await transformIsolating(pipeline, events.slice(0, half), sourceId)
  const right = await transformIsolating(pipeline, events.slice(half), sourceId)
  const shift = <T extends { index: number }>(items: T[]) =>
    items.map((item) => ({ ...item, index: item.index + half }))
  return {
    events: [...left.events, ...shift(right.events)],
    stopped: [...left.stopped, ...shift(right.stopped)],
  }
}

/** The key that orders a user's jobs: userId, else anonymousId. */
export function orderKeyOf(event: { userId?: unknown; anonymousId?: unknown }): string | null {
  if (typeof event.userId === 'string' && event.userId !== '') return `u:${event.userId}`
  if (typeof event.anonymousId === 'string' && event.anonymousId !== '') return `a:${event.anonymousId}`
  return null
}

export interface ProcessorOptions {
  store: Store
  pipeline: Pick<Pipeline, 'transform'>
  destinations: readonly GatewayDestination[]
  /** Wakes the processor when events arrive. */
  wakeup: Wakeup
  /** Called with the number of jobs queued (wakes the delivery workers). */
  onJobs: (count: number) => void
  /** Inputs the transformations failed or dropped, by step. */
  onStopped?: (sourceId: string, status: 'failed' | 'dropped', step: string, count: number) => void
  log: LogSink
  batchSize?: number
  pollMs?: number
  /**
   * Poison-pill protection, for pipelines that run user code: transform attempts are counted
   * durably per event before the code runs; an event whose attempt took the sandbox (or the
   * gateway) down is tried again alone, and after this many attempts it becomes a dead letter
   * at every destination without being run again. Undefined: no counting.
   */
  maxTransformAttempts?: number
}

/**
 * Turns accepted events into delivery jobs, off the ingest path: reads pending events in
 * the order they were accepted, runs the pipeline's transformations (sandboxed user code
 * included) per source, and in one transaction removes the events and queues one job per
 * resulting event and destination. If the transformations throw, the events stay pending
 * and are tried again: nothing accepted is lost, and ingestion never waits for this loop.
 */
export function startProcessor(options: ProcessorOptions) {
  const { store, pipeline, destinations, wakeup, log } = options
  const batchSize = options.batchSize ?? 500
  const pollMs = options.pollMs ?? 250
  let running = true

  const maxAttempts = options.maxTransformAttempts

  /**
   * With attempt counting: events that reached the limit are buried without running; events
   * a previous attempt never finished run alone, one at a time; the rest run as one batch.
   * Each attempt is counted durably before it starts.
   */
  async function processCounted(events: StoredEvent[], limit: number): Promise<number> {
    const spent = events.filter((e) => e.transformAttempts >= limit)
    if (spent.length > 0) bury(spent, limit)
    let queued = 0
    for (const suspect of events.filter((e) => e.transformAttempts > 0 && e.transformAttempts < limit)) {
      store.markTransformAttempt([suspect.seq])
      queued += await processBatch([{ ...suspect, transformAttempts: suspect.transformAttempts + 1 }], limit)
    }
    const fresh = events.filter((e) => e.transformAttempts === 0)
    if (fresh.length > 0) {
      store.markTransformAttempt(fresh.map((e) => e.seq))
      queued += await processBatch(
        fresh.map((e) => ({ ...e, transformAttempts: 1 })),
        limit,
      )
    }
    return queued
  }

  function bury(events: StoredEvent[], limit: number, step = 'transformations', cause?: string): void {
    const letters = events.flatMap((e) =>
      destinations.map((destination) => ({
        destinationId: destination.id,
        orderKey: destination.ordering === 'user' ? orderKeyOf(e.event as Record<string, unknown>) : null,
        messageId: e.messageId,
        payload: e.event,
        attempts: e.transformAttempts,
        reason: `PB_SANDBOX_POISON: the transformations took the sandbox or the gateway down ${e.transformAttempts} time(s) on this event (limit ${limit}); it was not transformed and is kept untransformed${cause ? `. Last error: ${cause}` : ''}`,
      })),
    )
    store.buryEvents(
      events.map((e) => e.seq),
      letters,
      Date.now(),
    )
    for (const e of events) {
      log({
        level: 'warn',
        scope: 'gateway',
        message: `event ${e.messageId} from source ${e.sourceId} failed at ${step}: PB_SANDBOX_POISON after ${e.transformAttempts} attempt(s); it is a dead letter at every destination and will not run again${cause ? ` (last error: ${cause})` : ''}`,
      })
      options.onStopped?.(e.sourceId, 'failed', step, 1)
    }
  }

  async function processBatch(events: StoredEvent[], limit?: number): Promise<number> {
    const jobs: NewJob[] = []
    /** Events whose attempt took the sandbox down: left pending for another attempt, or buried. */
    const retry: StoredEvent[] = []
    const buried: Array<{ event: StoredEvent; step: string; cause: string }> = []
    // Transform per run of events from the same source, keeping their order.
    for (let start = 0; start < events.length; ) {
      let end = start + 1
      while (end < events.length && events[end]!.sourceId === events[start]!.sourceId) end++
      const run = events.slice(start, end)
      const sourceId = run[0]!.sourceId
      const result = await transformIsolating(
        pipeline,
        run.map((e) => e.event),
        sourceId,
      )
      for (const { event } of result.events)
        for (const destination of destinations)
          jobs.push({
            destinationId: destination.id,
            orderKey: destination.ordering === 'user' ? orderKeyOf(event) : null,
            messageId: event.messageId ?? '',
            payload: event,
          })
      const stoppedHere = new Set<number>()
      if (limit !== undefined)
        for (const stop of result.stopped) {
          if (stop.status !== 'failed' || !stop.error || !WORKER_DOWN.has(stop.error.code)) continue
          const event = run[stop.index]!
          stoppedHere.add(stop.index)
          if (event.transformAttempts >= limit)
            buried.push({ event, step: stop.step, cause: stop.error.message })
          else {
            retry.push(event)
            log({
              level: 'warn',
              scope: 'gateway',
              message: `event ${stop.messageId ?? event.messageId} from source ${sourceId} took the sandbox down at ${stop.step} (attempt ${event.transformAttempts} of ${limit}); it will be tried again alone: ${stop.error.message}`,
            })
          }
        }
      const tally = new Map<string, number>()
      for (const stop of result.stopped) {
        if (stoppedHere.has(stop.index)) continue
        const key = `${stop.status}\u0000${stop.step}`
        tally.set(key, (tally.get(key) ?? 0) + 1)
        if (stop.status === 'failed')
          log({
            level: 'warn',
            scope: 'gateway',
            message: `event ${stop.messageId ?? `#${stop.index}`} from source ${sourceId} failed at ${stop.step}: ${stop.error?.message}`,
          })
      }
      for (const [key, count] of tally) {
        const [status, step] = key.split('\u0000') as ['failed' | 'dropped', string]
        options.onStopped?.(sourceId, status, step, count)
      }
      start = end
    }
    const held = new Set([...retry, ...buried.map((b) => b.event)].map((e) => e.seq))
    // Jobs of a held event cannot exist: it failed as a whole at the transformations.
    store.commitProcessed(
      events.filter((e) => !held.has(e.seq)).map((e) => e.seq),
      jobs,
      Date.now(),
    )
    for (const { event, step, cause } of buried) bury([event], limit!, step, cause)
    return jobs.length
  }

  const done = (async () => {
    while (running) {
      const events = store.readPending(batchSize)
      if (events.length === 0) {
        await wakeup.wait(pollMs)
        continue
      }
      try {
        const queued =
          maxAttempts === undefined ? await processBatch(events) : await processCounted(events, maxAttempts)
        if (queued > 0) options.onJobs(queued)
      } catch (error) {
        log({
          level: 'error',
          scope: 'gateway',
          message: `processing ${events.length} events failed; they stay queued and are tried again: ${(error as Error).message}`,
        })
        if (running) await wakeup.wait(1_000)
      }
    }
  })()

  return {
    /** Stops after the batch in progress; its events are either all processed or all still pending. */
    async stop(): Promise<void> {
      running = false
      wakeup.wake()
      await done
    },
  }
}
