import { type ConsentIssue, type LogSink, type Pipeline, readConsent } from '@patchbay/core'
import type { BuriedEvent, NewJob, Store, StoredEvent } from '../store/store.ts'
import type { Wakeup } from './_wakeup.ts'

/** A destination as the processor and its workers see it. */
export interface GatewayDestination {
  id: string
  /** `user`: one user's jobs are delivered one at a time, in order. */
  ordering: 'none' | 'user'
}

/** Default of `sandbox.maxTransformAttempts`. */
export const DEFAULT_MAX_TRANSFORM_ATTEMPTS = 3

type TransformResult = Awaited<ReturnType<Pipeline['transform']>>
/**
 * A stopped input; `down`: its attempt did not finish (the sandbox went down, or the
 * transformations threw: `thrown`).
 */
type Stop = TransformResult['stopped'][number] & { down?: boolean; thrown?: boolean }
type Result = { events: TransformResult['events']; stopped: Stop[] }

/**
 * Runs the transformations, isolating poison events: when user code fails a whole batch (an
 * endless loop, a memory bomb) or the transformations throw instead of reporting per event,
 * the batch is split in halves and each half tried again, so only the events that cause the
 * failure fail, not their neighbours.
 */
async function transformIsolating(
  pipeline: Pick<Pipeline, 'transform'>,
  events: unknown[],
  sourceId: string,
): Promise<Result> {
  let result: Result
  let poisoned: boolean
  try {
    const r = await pipeline.transform(events, { sourceId, normalized: true })
    result = {
      events: r.events,
      // The errors say what they did to the batch (core's error registry): no list of codes here.
      stopped: r.stopped.map((s) => (s.error?.takesWorkerDown ? { ...s, down: true } : s)),
    }
    poisoned = r.stopped.some((s) => s.error?.poisonsBatch)
  } catch (error) {
    // Not an answer per event: the batch as a whole failed. Every event is suspect.
    const code = (error as { code?: unknown }).code
    result = {
      events: [],
      stopped: events.map((_, index) => ({
        index,
        status: 'failed' as const,
        step: 'transformations',
        error: {
          code: typeof code === 'string' ? code : 'PB_INTERNAL',
          message: (error as Error).message ?? String(error),
          retryable: true,
        },
        down: true,
        thrown: true,
      })),
    }
    poisoned = true
  }
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
  pipeline: Pick<Pipeline, 'transform' | 'route'>
  destinations: readonly GatewayDestination[]
  /** Wakes the processor when events arrive. */
  wakeup: Wakeup
  /** Called with the number of jobs queued (wakes the delivery workers). */
  onJobs: (count: number) => void
  /** Inputs the transformations failed or dropped, by step. */
  onStopped?: (sourceId: string, status: 'failed' | 'dropped', step: string, count: number) => void
  /**
   * Events the route stage kept from a destination: `dropped` (its `integrations`, the
   * step's `filter` or its `consent`: `reason`) or `failed` (the destination cannot take
   * that type: a dead letter).
   */
  onRouted?: (
    destinationId: string,
    status: 'dropped' | 'failed',
    detail: { sourceId: string; reason?: string; because?: 'not_consented' | 'missing' },
  ) => void
  /**
   * Malformed consent fields the route stage ignored, per source. When set, each event's
   * consent is read once here and handed to the route stage (set it only when a destination
   * has consent requirements).
   */
  onConsentIssues?: (sourceId: string, issues: readonly ConsentIssue[]) => void
  log: LogSink
  batchSize?: number
  pollMs?: number
  /**
   * Poison-pill protection, for pipelines with transformations: transform attempts are
   * counted durably per event before they run; an event whose attempt did not finish (the
   * sandbox or the gateway went down, or the transformations threw) is tried again alone,
   * and after this many attempts it becomes a dead letter at every destination, replayable
   * through the transformations, without being run again. Undefined: no counting.
   */
  maxTransformAttempts?: number
  /** Users under a regulation: their events accepted before it get no job (removed, counted). */
  suppression?: { matches(event: unknown): boolean; readonly size: number }
  /** Events dropped for a regulation, per source. */
  onSuppressed?: (sourceId: string, count: number) => void
}

/**
 * Turns accepted events into delivery jobs, off the ingest path: reads pending events in
 * the order they were accepted, runs the pipeline's transformations (sandboxed user code
 * included) per source, asks the route stage where each result goes, and in one
 * transaction takes the events out of the pending queue and queues one job per routed
 * destination. A job references the stored event when the transformations left it
 * unchanged (no copy); a changed event is stored with its jobs. Ingestion never waits for
 * this loop.
 */
export function startProcessor(options: ProcessorOptions) {
  const { store, pipeline, destinations, wakeup, log } = options
  const batchSize = options.batchSize ?? 500
  const pollMs = options.pollMs ?? 250
  let running = true

  const maxAttempts = options.maxTransformAttempts
  const targetsOf = (e: StoredEvent) =>
    e.destinationId === undefined ? destinations : destinations.filter((d) => d.id === e.destinationId)
  const orderKey = (destination: GatewayDestination, event: unknown) =>
    destination.ordering === 'user' ? orderKeyOf(event as Record<string, unknown>) : null

  /**
   * With attempt counting: events that reached the limit are buried without running; events
   * a previous attempt never finished run alone, one at a time; the rest run as one batch.
   * Each attempt is counted durably before it starts.
   */
  async function processCounted(events: StoredEvent[], limit: number): Promise<number> {
    const spent = events.filter((e) => e.transformAttempts >= limit)
    if (spent.length > 0) await bury(spent, limit)
    let queued = 0
    for (const suspect of events.filter((e) => e.transformAttempts > 0 && e.transformAttempts < limit)) {
      await store.markTransformAttempt([suspect.seq])
      queued += await processBatch([{ ...suspect, transformAttempts: suspect.transformAttempts + 1 }], limit)
    }
    const fresh = events.filter((e) => e.transformAttempts === 0)
    if (fresh.length > 0) {
      await store.markTransformAttempt(fresh.map((e) => e.seq))
      queued += await processBatch(
        fresh.map((e) => ({ ...e, transformAttempts: 1 })),
        limit,
      )
    }
    return queued
  }

  async function bury(
    events: StoredEvent[],
    limit: number,
    step = 'transformations',
    cause?: string,
  ): Promise<void> {
    const letters = events.flatMap((e) =>
      targetsOf(e).map(
        (destination): BuriedEvent => ({
          destinationId: destination.id,
          orderKey: orderKey(destination, e.event),
          messageId: e.messageId,
          payload: e.event,
          attempts: e.transformAttempts,
          step: 'transformations',
          sourceId: e.sourceId,
          reason: `PB_SANDBOX_POISON: the transformations did not finish on this event ${e.transformAttempts} time(s) (limit ${limit}; the sandbox or the gateway went down, or they threw); it is kept untransformed, and a replay runs the transformations again${cause ? `. Last error: ${cause}` : ''}`,
        }),
      ),
    )
    await store.buryEvents(
      events.map((e) => e.seq),
      letters,
      Date.now(),
    )
    for (const e of events) {
      log({
        level: 'warn',
        scope: 'gateway',
        message: `event ${e.messageId} from source ${e.sourceId} failed at ${step}: PB_SANDBOX_POISON after ${e.transformAttempts} attempt(s); it is a dead letter at every destination and will not run again unless replayed${cause ? ` (last error: ${cause})` : ''}`,
      })
      options.onStopped?.(e.sourceId, 'failed', step, 1)
    }
  }

  /** Jobs for the routed destinations of one transformed event; dead letters for those that cannot take it. */
  function route(stored: StoredEvent, event: unknown, jobs: NewJob[], letters: BuriedEvent[]): void {
    // A transformation may have given the event an identifier under a regulation.
    if (event !== stored.event && options.suppression?.size && options.suppression.matches(event)) {
      options.onSuppressed?.(stored.sourceId, 1)
      return
    }
    // Unchanged by the transformations (the same object): the job references the stored row.
    const unchanged = event === stored.event
    const { sourceId } = stored
    const consent = options.onConsentIssues ? readConsent(event) : undefined
    if (consent && consent.issues.length > 0) options.onConsentIssues!(sourceId, consent.issues)
    const decisions = pipeline.route(event as never, { sourceId, ...(consent ? { consent } : {}) })
    const messageId = (event as { messageId?: string }).messageId ?? stored.messageId
    for (const destination of targetsOf(stored)) {
      const decision = decisions.find((d) => d.destination === destination.id)
      const target = { destinationId: destination.id, orderKey: orderKey(destination, event), messageId }
      if (!decision || decision.status === 'routed')
        jobs.push(unchanged ? { ...target, eventSeq: stored.seq } : { ...target, payload: event })
      else if (decision.status === 'dropped')
        options.onRouted?.(destination.id, 'dropped', {
          sourceId,
          reason: decision.reason,
          ...(decision.reason === 'consent' ? { because: decision.because } : {}),
        })
      else {
        letters.push({
          ...target,
          payload: event,
          attempts: 0,
          step: 'delivery',
          sourceId: stored.sourceId,
          reason: `${decision.error.code}: ${decision.error.message}`,
        })
        options.onRouted?.(destination.id, 'failed', { sourceId })
      }
    }
  }

  async function processBatch(events: StoredEvent[], limit?: number): Promise<number> {
    const jobs: NewJob[] = []
    const letters: BuriedEvent[] = []
    /** Events whose attempt did not finish: left pending for another attempt, or buried. */
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
      const stoppedHere = new Set<number>()
      for (const stop of result.stopped) {
        if (stop.status !== 'failed' || !stop.down) continue
        if (limit === undefined) {
          // Without attempt counting, a batch that threw stays pending and is tried again.
          if (stop.thrown) throw new Error(stop.error?.message ?? 'the transformations failed')
          continue
        }
        const event = run[stop.index]!
        stoppedHere.add(stop.index)
        if (event.transformAttempts >= limit)
          buried.push({ event, step: stop.step, cause: stop.error!.message })
        else {
          retry.push(event)
          log({
            level: 'warn',
            scope: 'gateway',
            message: `event ${stop.messageId ?? event.messageId} from source ${sourceId} ${stop.thrown ? 'failed the transformations as a whole' : 'took the sandbox down'} at ${stop.step} (attempt ${event.transformAttempts} of ${limit}); it will be tried again alone: ${stop.error!.message}`,
          })
        }
      }
      for (const { index, event } of result.events) {
        if (!stoppedHere.has(index)) route(run[index]!, event, jobs, letters)
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
    await store.commitProcessed(
      events.filter((e) => !held.has(e.seq)).map((e) => e.seq),
      jobs,
      Date.now(),
      letters,
    )
    for (const { event, step, cause } of buried) await bury([event], limit!, step, cause)
    return jobs.length
  }

  /** Events of users under a regulation leave the queue with no job; the others go on. */
  async function dropSuppressed(events: StoredEvent[]): Promise<StoredEvent[]> {
    const suppression = options.suppression
    if (!suppression || suppression.size === 0) return events
    const dropped = events.filter((e) => suppression.matches(e.event))
    if (dropped.length === 0) return events
    await store.commitProcessed(
      dropped.map((e) => e.seq),
      [],
      Date.now(),
    )
    const bySource = new Map<string, number>()
    for (const e of dropped) bySource.set(e.sourceId, (bySource.get(e.sourceId) ?? 0) + 1)
    for (const [sourceId, count] of bySource) options.onSuppressed?.(sourceId, count)
    const gone = new Set(dropped)
    return events.filter((e) => !gone.has(e))
  }

  const done = (async () => {
    while (running) {
      let events: StoredEvent[]
      try {
        events = await store.readPending(batchSize)
      } catch (error) {
        // The store is unreachable (a database restarting, say): the events stay pending.
        log({
          level: 'error',
          scope: 'gateway',
          message: `reading pending events failed; trying again in a second: ${(error as Error).message}`,
        })
        if (running) await wakeup.wait(1_000)
        continue
      }
      if (events.length === 0) {
        await wakeup.wait(pollMs)
        continue
      }
      try {
        events = await dropSuppressed(events)
        if (events.length === 0) continue
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
