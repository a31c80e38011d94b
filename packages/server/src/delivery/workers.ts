import { createRetryPolicy, type LogSink, type Outcome, type Pipeline } from '@patchbay/core'
import type { PatchbayEvent } from '@patchbay/protocol'
import { durationText } from '../_duration-text.ts'
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts'
import type { DeliveryGate } from '../regulations/_delivery-gate.ts'
import { isJobGone } from '../store/_unavailable.ts'
import type { Job, Store } from '../store/store.ts'
import type { Wakeup } from './_wakeup.ts'
import type { GatewayDestination } from './processor.ts'

/** What delivery reports, for /metrics. */
export type DeliveryCounters = Pick<GatewayMetrics, 'delivered' | 'retried' | 'aborted' | 'dropped'> &
  Partial<Pick<GatewayMetrics, 'suppressed'>>

export interface WorkerOptions {
  store: Store
  pipeline: Pick<Pipeline, 'deliver'>
  destination: GatewayDestination
  settings: { claim: number; workers: number; pollMs: number }
  retry: { forMs: number; baseDelayMs: number; maxDelayMs: number }
  counters: DeliveryCounters
  wakeup: Wakeup
  log: LogSink
  /** A store write failed (a full disk, say); the worker keeps the write and tries it again. */
  onStoreError?: (error: unknown) => void
  now?: () => number
  /** The backoff's random source (tests). */
  random?: () => number
  /** Users under a regulation: their claimed jobs are removed undelivered. */
  suppression?: { matches(event: unknown): boolean; readonly size: number }
  /** Registers each delivery, so a new regulation can wait for those already running. */
  gate?: DeliveryGate
}

/** The code of a delivery `proceed` stopped: the claim's leases may have run out. */
const WITHHELD = 'PB_DELIVERY_WITHHELD'

/** How long a worker waits before trying again the store writes it could not make. */
const SETTLE_RETRY_MS = 1_000

/** A message id as logs show it: ids are client-chosen, so long ones are cut. */
const shortId = (id: string) => (id.length > 100 ? `${id.slice(0, 100)}…` : id)

/**
 * The delivery workers of one destination. Each claims due jobs (in order per user when the
 * destination orders), delivers them with one attempt each, and settles every job in the
 * store: delivered and dropped jobs are removed, retryable failures are scheduled again with
 * backoff (or the destination's Retry-After) until the retry window closes, and everything
 * else becomes a dead letter with its reason.
 *
 * When the store cannot record how a job ended (a full disk), the worker keeps that write
 * in memory and makes it, in order, before it claims anything else; meanwhile the jobs stay
 * in_flight in the store, so a crash delivers them again (at least once) and nothing is lost.
 */
export function startDeliveryWorkers(options: WorkerOptions) {
  const { store, pipeline, destination, settings, retry, counters, wakeup, log } = options
  const now = options.now ?? Date.now
  const ordered = destination.ordering === 'user'
  // Core's retry policy, the same as the in-memory deliverer's: the window counts from when the job was queued.
  const policy = createRetryPolicy({
    ...retry,
    maxElapsedMs: retry.forMs,
    ...(options.random ? { random: options.random } : {}),
  })
  let running = true
  let inFlight = 0
  /** Settlements the store refused (oldest first), made again before the next claim. */
  const unsettled: Array<() => Promise<void>> = []
  let claimFailing = false

  function storeError(error: unknown, what: string): void {
    options.onStoreError?.(error)
    if (unsettled.length === 0)
      log({
        level: 'error',
        scope: `destinations.${destination.id}`,
        message: `${what} failed; the worker keeps it and tries again every ${SETTLE_RETRY_MS / 1000} s before it claims more: ${(error as Error).message}`,
      })
  }

  /**
   * Makes a settling store write now, or after the ones still waiting. The returned promise
   * never rejects: a refused write is kept for settleWaiting.
   */
  function settle(what: string, write: () => Promise<void>): Promise<void> {
    if (unsettled.length > 0) {
      unsettled.push(write)
      return Promise.resolve()
    }
    return write().catch((error: unknown) => {
      if (!running) return // a closed store during shutdown: the jobs stay in flight, released at restart
      if (isJobGone(error)) return jobGone(what, error)
      storeError(error, what)
      unsettled.push(write)
    })
  }

  /** Another node took the job over (this node's lease ran out) and settled it: nothing to record. */
  function jobGone(what: string, error: unknown): void {
    log({
      level: 'warn',
      scope: `destinations.${destination.id}`,
      message: `${what} found nothing to record: ${(error as Error).message}; another node took the job over once this node's lease ran out`,
    })
  }

  /** Makes the waiting settlements, in order; false when the store still refuses. */
  async function settleWaiting(): Promise<boolean> {
    while (unsettled.length > 0) {
      try {
        await unsettled[0]!()
      } catch (error) {
        if (!running) return false
        if (isJobGone(error)) jobGone('a settling write', error)
        else {
          options.onStoreError?.(error)
          return false
        }
      }
      unsettled.shift()
      if (unsettled.length === 0)
        log({
          level: 'info',
          scope: `destinations.${destination.id}`,
          message: 'the store takes writes again: every delivery outcome is recorded',
        })
    }
    return true
  }

  function abort(job: Job, reason: string, at: number): Promise<void> {
    counters.aborted(destination.id)
    const settled = settle(`recording job ${job.id} as a dead letter`, () =>
      store.abort(job.id, { reason, now: at }),
    )
    log({
      level: 'warn',
      scope: `destinations.${destination.id}`,
      message: `event ${shortId(job.messageId)} is now a dead letter: ${reason}`,
    })
    return settled
  }

  /** Settles a failed job: retried later, or a dead letter. Delivered jobs are completed together. */
  function settleFailure(job: Job, outcome: Outcome | undefined, at: number): Promise<void> {
    const error = outcome?.error ?? {
      code: 'PB_INTERNAL',
      message: 'no outcome for this job',
      retryable: true,
    }
    const attempts = job.attempts + 1
    const reason = `${error.code}: ${error.message}`
    if (error.retryable) {
      const wait = policy.next(attempts, error, at - job.createdAt)
      if (wait !== undefined) {
        counters.retried(destination.id)
        return settle(`scheduling job ${job.id} for a retry`, () =>
          store.retry(job.id, { nextAt: at + wait, error: reason }),
        )
      }
      return abort(
        job,
        `gave up after ${attempts} attempts over the ${durationText(retry.forMs)} retry window; last error ${reason}`,
        at,
      )
    }
    return abort(job, reason, at)
  }

  /** Jobs of users under a regulation (queued before it, or claimed while it was made) are removed undelivered. */
  async function withoutSuppressed(jobs: Job[]): Promise<Job[]> {
    const suppression = options.suppression
    if (!suppression || suppression.size === 0) return jobs
    const gone = jobs.filter((job) => suppression.matches(job.payload))
    if (gone.length === 0) return jobs
    counters.suppressed?.('-', 'delivery', gone.length)
    await settle(`removing ${gone.length} jobs of suppressed users`, () =>
      store.complete(gone.map((job) => job.id)),
    )
    return jobs.filter((job) => !gone.includes(job))
  }

  /**
   * Delivers claimed jobs and settles their failures. Returns the ids of the delivered (and
   * dropped) jobs when the store can complete them with the worker's next claim (one commit
   * for both); else they are completed here, before it returns.
   */
  async function deliver(jobs: Job[]): Promise<number[]> {
    if (jobs.length === 0) return []
    let outcomes: Outcome[]
    const proceed = whileHeld(jobs)
    try {
      outcomes = await pipeline.deliver(
        destination.id,
        jobs.map((job) => job.payload as PatchbayEvent),
        // The route stage checked consent, with the event's source, before the job existed.
        // The payloads' text lengths, where the store read them: batch bounds need not measure.
        { consentChecked: true, sizes: jobs.map((job) => job.size), ...(proceed ? { proceed } : {}) },
      )
    } catch (error) {
      // A bug, not an answer from the destination: keep the jobs and try them again later.
      log({
        level: 'error',
        scope: `destinations.${destination.id}`,
        message: `delivering ${jobs.length} jobs failed unexpectedly; they will be retried: ${(error as Error).message}`,
      })
      outcomes = []
    }
    const byIndex = new Map(outcomes.map((o) => [o.index, o]))
    const at = now()
    const done: number[] = []
    const withheld: number[] = []
    const settling: Array<Promise<void>> = []
    for (const [index, job] of jobs.entries()) {
      const outcome = byIndex.get(index)
      if (outcome?.status === 'delivered') {
        const receivedAt = Date.parse((job.payload as { receivedAt?: string }).receivedAt ?? '')
        counters.delivered(destination.id, Number.isNaN(receivedAt) ? 0 : Math.max(0, at - receivedAt) / 1000)
        done.push(job.id)
      } else if (outcome?.status === 'dropped') {
        counters.dropped(destination.id)
        done.push(job.id)
      } else if (outcome?.error?.code === WITHHELD && store.release) withheld.push(job.id)
      else settling.push(settleFailure(job, outcome, at))
    }
    if (withheld.length > 0) settling.push(giveBack(withheld))
    const deferred = done.length > 0 && store.completeAndClaim !== undefined && unsettled.length === 0
    // One transaction (one commit) for every job of the claim that went through.
    if (done.length > 0 && !deferred) settling.push(completeNow(done))
    // Settled before the next claim, so an ordered user's next job sees this one gone (a
    // deferred completion commits before that claim, in its transaction).
    if (settling.length === 1) await settling[0]
    else if (settling.length > 1) await Promise.all(settling)
    return deferred ? done : []
  }

  /**
   * On a store several nodes share: asked before each request goes out, whether this node
   * still surely holds the claim's leases. A node stopped (or cut off from the store) past
   * them finds out here, before it sends the rest of its claim, which another node may have
   * taken over meanwhile. Cheap: the store is asked again only once the last answer's time passed.
   */
  function whileHeld(jobs: readonly Job[]): (() => boolean) | undefined {
    const heldUntil = store.heldUntil?.bind(store)
    if (!heldUntil) return undefined
    const ids = jobs.map((job) => job.id)
    let until = heldUntil(ids)
    return () => {
      const at = performance.now()
      if (at < until) return true
      until = heldUntil(ids)
      return at < until
    }
  }

  /** Jobs not sent because the node's leases may have run out: back to the queue, no attempt counted. */
  function giveBack(ids: number[]): Promise<void> {
    return settle(`giving back ${ids.length} jobs`, async () => {
      const back = await store.release!(ids)
      log({
        level: 'warn',
        scope: `destinations.${destination.id}`,
        message: `${ids.length} claimed job${ids.length === 1 ? ' was' : 's were'} not sent: this node's lease on ${ids.length === 1 ? 'it' : 'them'} may have run out (the process was stopped, or could not reach the store, for longer than the lease); ${back} went back to the queue for any node, ${ids.length - back} another node had taken over`,
      })
    })
  }

  const completeNow = (ids: number[]) =>
    settle(`recording ${ids.length} deliveries`, () => store.complete(ids))

  /** Completes `delivered` (when given) and claims the next jobs, in one transaction when the store can. */
  function claimNext(delivered: number[]): Promise<Job[]> {
    const options = { limit: settings.claim, now: now(), ordered }
    return delivered.length > 0 && store.completeAndClaim
      ? store.completeAndClaim(delivered, destination.id, options)
      : store.claim(destination.id, options)
  }

  async function work(): Promise<void> {
    /** Delivered jobs not yet recorded: completed with this loop's next claim. */
    let delivered: number[] = []
    while (running) {
      if (unsettled.length > 0) {
        // Recorded in order behind the writes the store refused.
        if (delivered.length > 0) await completeNow(delivered)
        delivered = []
        if (!(await settleWaiting())) {
          await wakeup.wait(SETTLE_RETRY_MS)
          continue
        }
      }
      let jobs: Job[]
      try {
        jobs = await claimNext(delivered)
        delivered = []
      } catch (error) {
        // Nothing of it happened: the deliveries are recorded on their own (kept if refused).
        if (delivered.length > 0) await completeNow(delivered)
        delivered = []
        if (!running) return
        options.onStoreError?.(error)
        if (!claimFailing)
          log({
            level: 'error',
            scope: `destinations.${destination.id}`,
            message: `claiming jobs failed; trying again every second: ${(error as Error).message}`,
          })
        claimFailing = true
        await wakeup.wait(1_000)
        continue
      }
      claimFailing = false
      if (jobs.length === 0) {
        await wakeup.wait(settings.pollMs)
        continue
      }
      inFlight += jobs.length
      // Entered before the suppression check: a regulation made after it waits for this delivery.
      const exit = options.gate?.enter()
      try {
        delivered = await deliver(await withoutSuppressed(jobs))
      } finally {
        exit?.()
        inFlight -= jobs.length
      }
      // No wait here: settling an ordered user's job may have made their next one due.
    }
    // Stopping: what this loop delivered is recorded before the store closes.
    if (delivered.length > 0) await completeNow(delivered)
  }

  const done = Promise.all(Array.from({ length: settings.workers }, () => work()))

  return {
    get inFlight() {
      return inFlight
    },
    /** Stops claiming; resolves when the deliveries in flight are settled. */
    async stop(): Promise<void> {
      running = false
      wakeup.wake()
      await done
    },
  }
}
