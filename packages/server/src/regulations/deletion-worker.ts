import { createRetryPolicy, type LogSink, type Pipeline } from '@patchbay/core'
import { durationText } from '../_duration-text.ts'
import type { Wakeup } from '../delivery/_wakeup.ts'
import type { DeletionJob, Store } from '../store/store.ts'

export interface DeletionWorkerOptions {
  store: Pick<Store, 'regulations'>
  pipeline: Pick<Pipeline, 'deleteUsers' | 'destinations'>
  /** The gateway's retry window and backoff: the same policy as event delivery. */
  retry: { forMs: number; baseDelayMs: number; maxDelayMs: number }
  leaseMs: number
  wakeup: Wakeup
  log: LogSink
  pollMs?: number
  now?: () => number
}

/**
 * Runs the deletion jobs of regulations: one attempt each (`pipeline.deleteUsers`), then
 * `done`, a retry scheduled with core's retry policy (the window counts from the regulation,
 * as an event's counts from its job), or `failed` with the reason once the error is not
 * retryable or the window has closed. Jobs are leased in the store, so a crash leaves them
 * pending: the restart (or another node, once the lease ends) runs them again.
 */
export function startDeletionWorker(options: DeletionWorkerOptions) {
  const { store, pipeline, wakeup, log } = options
  const now = options.now ?? Date.now
  const pollMs = options.pollMs ?? 1_000
  const policy = createRetryPolicy({ ...options.retry, maxElapsedMs: options.retry.forMs })
  const known = new Set(pipeline.destinations.map((d) => d.id))
  let running = true

  async function run(job: DeletionJob): Promise<void> {
    const scope = `destinations.${job.destinationId}`
    if (!known.has(job.destinationId)) {
      await store.regulations.settleDeletion(
        job.id,
        { status: 'failed', reason: `destination "${job.destinationId}" is no longer in the pipeline` },
        now(),
      )
      return
    }
    let outcome: Awaited<ReturnType<Pipeline['deleteUsers']>>
    try {
      outcome = await pipeline.deleteUsers(job.destinationId, job.identifiers)
    } catch (error) {
      outcome = {
        status: 'failed',
        error: { code: 'PB_INTERNAL', message: (error as Error).message, retryable: true },
      }
    }
    const at = now()
    if (outcome.status === 'done') {
      log({ level: 'info', scope, message: `regulation ${job.regulationId}: users deleted` })
      return store.regulations.settleDeletion(job.id, { status: 'done' }, at)
    }
    if (outcome.status === 'unsupported')
      return store.regulations.settleDeletion(
        job.id,
        { status: 'failed', reason: 'the destination no longer has a deleteUsers hook' },
        at,
      )
    const { error } = outcome
    const attempts = job.attempts + 1
    const reason = `${error.code}: ${error.message}`
    const wait = error.retryable ? policy.next(attempts, error, at - job.createdAt) : undefined
    if (wait !== undefined)
      return store.regulations.settleDeletion(
        job.id,
        { status: 'retry', nextAt: at + wait, error: reason },
        at,
      )
    const final = error.retryable
      ? `gave up after ${attempts} attempts over the ${durationText(options.retry.forMs)} retry window; last error ${reason}`
      : reason
    log({ level: 'warn', scope, message: `regulation ${job.regulationId}: deletion failed: ${final}` })
    return store.regulations.settleDeletion(job.id, { status: 'failed', reason: final }, at)
  }

  const done = (async () => {
    while (running) {
      let jobs: DeletionJob[]
      try {
        jobs = await store.regulations.claimDeletions({ limit: 10, now: now(), leaseMs: options.leaseMs })
      } catch (error) {
        if (!running) return
        log({
          level: 'error',
          scope: 'gateway',
          message: `claiming deletion jobs failed; trying again: ${(error as Error).message}`,
        })
        await wakeup.wait(pollMs)
        continue
      }
      if (jobs.length === 0) {
        await wakeup.wait(pollMs)
        continue
      }
      await Promise.all(
        jobs.map((job) =>
          run(job).catch((error: unknown) => {
            // The lease runs out and the job is tried again.
            if (running)
              log({
                level: 'error',
                scope: 'gateway',
                message: `recording deletion job ${job.id} failed; it will run again: ${(error as Error).message}`,
              })
          }),
        ),
      )
    }
  })()

  return {
    /** Stops claiming; resolves when the deletions in flight are settled. */
    async stop(): Promise<void> {
      running = false
      wakeup.wake()
      await done
    },
  }
}
