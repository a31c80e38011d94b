import type { Outcome, Pipeline } from '@patchbay/core'
import type { BuriedEvent, IncomingEvent, Job, NewJob, Store, StoredEvent } from '../store/store.ts'
import type { RecentEvents } from './_recent.ts'

/** Calls `then` with the value, now or once a promise settles (the store may become async). */
function after<T>(result: T, then: (value: Awaited<T>) => void): T {
  if (result instanceof Promise) {
    result.then(
      (v) => safely(() => then(v as Awaited<T>)),
      () => {},
    )
  } else safely(() => then(result as Awaited<T>))
  return result
}

/** An observer error must never reach the gateway's own path. */
function safely(fn: () => void): void {
  try {
    fn()
  } catch {
    // the console loses sight of an event; the gateway carries on
  }
}

/** At most this many accepted events wait for the console to look at them; past it they are dropped. */
const MAX_WAITING = 10_000
/** Job ids remembered (claimed, not yet settled) at most; the oldest are forgotten first. */
const MAX_JOBS = 20_000

/**
 * The console's view of the gateway: a store that does what the real one does and, after
 * each call, tells `recent` what happened, and a `deliver` that reports each outcome.
 * Accepted events are only queued on the ingest path (the records are made a turn later, and
 * dropped when more than MAX_WAITING wait), so watching never slows or blocks ingest.
 */
export function createObserver(recent: RecentEvents, destinations: readonly string[]) {
  let waiting: IncomingEvent[][] = []
  let waitingCount = 0
  let flushing = false
  let droppedUnseen = 0
  const seqToMessage = new Map<number, string>()
  const jobs = new Map<number, { messageId: string; destinationId: string }>()

  function flush(): void {
    flushing = false
    const batches = waiting
    waiting = []
    waitingCount = 0
    for (const batch of batches)
      for (const e of batch) safely(() => recent.add(e.sourceId, e.messageId, e.event))
  }

  function processed(seqs: number[], newJobs: NewJob[], letters: BuriedEvent[] = []): void {
    const routed = new Map<string, Set<string>>()
    const note = (messageId: string, destinationId: string) => {
      const set = routed.get(messageId) ?? new Set<string>()
      routed.set(messageId, set)
      set.add(destinationId)
    }
    for (const job of newJobs) {
      note(job.messageId, job.destinationId)
      recent.update(job.messageId, job.destinationId, {
        status: 'queued',
        ...(job.payload !== undefined ? { output: job.payload } : {}),
      })
    }
    for (const letter of letters) {
      note(letter.messageId, letter.destinationId)
      recent.update(letter.messageId, letter.destinationId, {
        status: 'dead_letter',
        attempts: letter.attempts,
        error: letter.reason,
      })
    }
    for (const seq of seqs) {
      const messageId = seqToMessage.get(seq)
      seqToMessage.delete(seq)
      if (messageId === undefined) continue
      const got = routed.get(messageId)
      for (const d of destinations) if (!got?.has(d)) recent.update(messageId, d, { status: 'not_routed' })
    }
  }

  function claimed(list: Job[]): void {
    for (const job of list) {
      jobs.set(job.id, { messageId: job.messageId, destinationId: job.destinationId })
      if (jobs.size > MAX_JOBS) jobs.delete(jobs.keys().next().value as number)
      recent.update(job.messageId, job.destinationId, { status: 'in_flight', attempts: job.attempts })
    }
  }

  function settled(jobId: number, change: Parameters<RecentEvents['update']>[2]): void {
    const job = jobs.get(jobId)
    if (!job) return
    if (change.status !== 'retrying') jobs.delete(jobId)
    recent.update(job.messageId, job.destinationId, change)
  }

  return {
    /** Events accepted but not yet recorded because too many waited (the console missed them). */
    get dropped() {
      return droppedUnseen
    },
    /** The store the gateway uses, observed. */
    observeStore(store: Store): Store {
      return {
        append(events) {
          if (waitingCount + events.length > MAX_WAITING) droppedUnseen += events.length
          else {
            waiting.push(events)
            waitingCount += events.length
            if (!flushing) {
              flushing = true
              setImmediate(flush)
            }
          }
          return store.append(events)
        },
        readPending(limit) {
          return after(store.readPending(limit), (events: StoredEvent[]) => {
            for (const e of events) seqToMessage.set(e.seq, e.messageId)
            if (seqToMessage.size > MAX_JOBS) seqToMessage.delete(seqToMessage.keys().next().value as number)
          })
        },
        commitProcessed(seqs, newJobs, now, letters) {
          return after(store.commitProcessed(seqs, newJobs, now, letters), () =>
            processed(seqs, newJobs, letters),
          )
        },
        markTransformAttempt: (seqs) => store.markTransformAttempt(seqs),
        buryEvents(seqs, letters, now) {
          return after(store.buryEvents(seqs, letters, now), () => processed(seqs, [], letters))
        },
        claim(destinationId, options) {
          return after(store.claim(destinationId, options), claimed)
        },
        complete(jobIds) {
          return after(store.complete(jobIds), () => {
            for (const id of jobIds) {
              const job = jobs.get(id)
              if (!job) continue
              const dropped = recent.byMessageId(job.messageId)?.destinations[job.destinationId]?.reason
              settled(id, { status: dropped !== undefined ? 'dropped' : 'delivered' })
            }
          })
        },
        retry(jobId, options) {
          const attempts =
            (recent.byMessageId(jobs.get(jobId)?.messageId ?? '')?.destinations[
              jobs.get(jobId)?.destinationId ?? ''
            ]?.attempts ?? 0) + 1
          return after(store.retry(jobId, options), () =>
            settled(jobId, { status: 'retrying', nextAt: options.nextAt, error: options.error, attempts }),
          )
        },
        abort(jobId, options) {
          return after(store.abort(jobId, options), () =>
            settled(jobId, { status: 'dead_letter', error: options.reason }),
          )
        },
        releaseInFlight: () => store.releaseInFlight(),
        get deadLetters() {
          return store.deadLetters
        },
        find: (query) => store.find(query),
        get regulations() {
          return store.regulations
        },
        stats: () => store.stats(),
        close: () => store.close(),
      }
    },
    /** The pipeline's `deliver`, reporting each outcome (drops and their reasons, errors, the redacted exchanges). */
    observeDeliver(pipeline: Pick<Pipeline, 'deliver'>): Pick<Pipeline, 'deliver'> {
      return {
        deliver: (destinationId, events) =>
          pipeline.deliver(destinationId, events).then((outcomes: Outcome[]) => {
            safely(() => {
              for (const o of outcomes) {
                const messageId =
                  o.messageId ?? (events[o.index] as { messageId?: string } | undefined)?.messageId
                if (messageId === undefined) continue
                recent.update(messageId, destinationId, {
                  ...(o.status === 'dropped' ? { reason: o.reason ?? 'dropped' } : {}),
                  ...(o.error ? { error: `${o.error.code}: ${o.error.message}` } : {}),
                  ...(o.exchanges ? { exchanges: o.exchanges } : {}),
                })
              }
            })
            return outcomes
          }),
      }
    },
  }
}

export type Observer = ReturnType<typeof createObserver>
