import './error-codes.ts'
import type { BatchOutcome, InitMessage, LoadMessage, RunMessage } from './_worker/protocol.ts'
import { type KillReason, type LoadAnswer, WorkerProcess } from './_worker-process.ts'
import type { LookupIdentity } from './types.ts'

export interface WorkerPoolOptions {
  size: number
  init: Omit<InitMessage, 't'>
  memoryCap: (transforms: number) => number
  heartbeatTimeoutMs: number
  lookupIdentity?: LookupIdentity | undefined
}

/** Requests a worker holds at once: one running, one waiting behind it, so it never idles. */
const DEPTH = 2
/** How often the watchdog reads workers' memory and checks heartbeats. */
const WATCH_MS = 100
/**
 * A worker whose resident memory is past this share of its cap when a request of its ends
 * takes no new ones, and is replaced once those it holds are done. Memory outside every
 * isolate's heap accounting (ICU data behind `Intl` objects kept in module state) grows the
 * worker, not the isolate: left alone, the next transform to run there would cross the cap
 * and be blamed for a neighbour's memory. Recycled between batches, nobody is.
 */
const RECYCLE_AT = 0.6
/**
 * How many workers may decline one request (each was past RECYCLE_AT with another transform's
 * memory, and is recycled for it) before it runs wherever it lands.
 */
const MAX_DECLINES = 8

/**
 * The sandbox's worker processes, started on demand up to `size`. Batches go to the least
 * busy worker, preferring one that already holds the transform; each worker takes two at a
 * time, so the next batch is already there when one finishes and every core stays busy. A
 * worker that dies is replaced on the next request, and the requests it had not started are
 * sent again elsewhere.
 */
export class WorkerPool {
  readonly #options: WorkerPoolOptions
  readonly #workers: WorkerProcess[] = []
  readonly #waiting: Array<() => void> = []
  readonly #watchdog: NodeJS.Timeout
  #started = 0
  #recycled = 0
  #disposed = false

  constructor(options: WorkerPoolOptions) {
    this.#options = options
    this.#watchdog = setInterval(() => {
      const now = performance.now()
      for (const w of this.#workers) void w.watch(now)
    }, WATCH_MS)
    this.#watchdog.unref()
  }

  #spawn(): WorkerProcess {
    const worker = new WorkerProcess({
      init: this.#options.init,
      memoryCap: this.#options.memoryCap,
      heartbeatTimeoutMs: this.#options.heartbeatTimeoutMs,
      lookupIdentity: this.#options.lookupIdentity,
      onExit: (w) => {
        const at = this.#workers.indexOf(w)
        if (at !== -1) this.#workers.splice(at, 1)
        this.#wakeOne()
      },
    })
    this.#started++
    this.#workers.push(worker)
    return worker
  }

  #wakeOne(): void {
    this.#waiting.shift()?.()
  }

  /** A worker with room for one more request, waiting for one if all are full. */
  async #pick(transform: number | undefined): Promise<WorkerProcess> {
    for (;;) {
      if (this.#disposed) throw new Error('the sandbox was disposed')
      let best: WorkerProcess | undefined
      let bestScore = Number.POSITIVE_INFINITY
      for (const w of this.#workers) {
        if (!w.alive || w.draining || w.assigned >= DEPTH) continue
        const score = w.assigned * 2 + (transform !== undefined && w.loaded.has(transform) ? 0 : 1)
        if (score < bestScore) {
          best = w
          bestScore = score
        }
      }
      // A new worker beats queueing behind a busy one.
      if ((!best || best.assigned > 0) && this.#serving() < this.#options.size) best = this.#spawn()
      if (best) {
        // Counted now, synchronously, so concurrent callers spread over the workers.
        best.assigned++
        return best
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve))
    }
  }

  /** Workers that take requests (a draining one is on its way out). */
  #serving(): number {
    let n = 0
    for (const w of this.#workers) if (!w.draining) n++
    return n
  }

  /**
   * The resident memory past which `worker` declines a request instead of starting it (see
   * `maxRss` in the protocol), once it holds `transforms`; undefined after MAX_DECLINES
   * declines of one request, so it always runs in the end.
   */
  #maxRss(transforms: number, declines: number): number | undefined {
    return declines < MAX_DECLINES ? Math.floor(this.#options.memoryCap(transforms) * RECYCLE_AT) : undefined
  }

  #settled(worker: WorkerProcess): void {
    worker.assigned--
    if (
      worker.alive &&
      !worker.draining &&
      (worker.declined || worker.rss > this.#options.memoryCap(worker.loaded.size) * RECYCLE_AT)
    ) {
      worker.draining = true
      this.#recycled++
    }
    // Nothing of anyone's is running or waiting there: no batch fails for it.
    if (worker.draining && worker.assigned === 0)
      worker.kill({ code: 'PB_SANDBOX_CRASHED', message: 'recycled between batches (its memory was high)' })
    this.#wakeOne()
  }

  /** Loads a transform into some worker (to check it compiles); retried elsewhere if that worker dies first. */
  async load(
    message: Omit<LoadMessage, 't' | 'id'>,
    timeoutMs: number,
  ): Promise<LoadAnswer | { killed: KillReason }> {
    for (let declines = 0; ; ) {
      const worker = await this.#pick(message.transform)
      const maxRss = this.#maxRss(worker.loaded.size + 1, declines)
      const answer = await worker
        .load(maxRss === undefined ? message : { ...message, maxRss }, timeoutMs)
        .finally(() => this.#settled(worker))
      if ('requeue' in answer) {
        if (worker.declined) declines++
        continue
      }
      return answer
    }
  }

  /**
   * Runs a batch, loading the transform into the chosen worker first when it is not there
   * yet. `load` gives the load message (the transform's code) on demand.
   */
  async run(
    message: Omit<RunMessage, 't' | 'id'>,
    load: () => Omit<LoadMessage, 't' | 'id'>,
    timeoutMs: number,
    skip?: () => BatchOutcome | undefined,
  ): Promise<BatchOutcome> {
    for (let declines = 0; ; ) {
      const worker = await this.#pick(message.transform)
      // Its batch failed while it waited for a worker: it is not sent at all.
      const skipped = skip?.()
      if (skipped) {
        this.#settled(worker)
        return skipped
      }
      try {
        const loading = !worker.loaded.has(message.transform)
        const maxRss = this.#maxRss(worker.loaded.size + (loading ? 1 : 0), declines)
        if (loading) {
          const loaded = await worker.load(maxRss === undefined ? load() : { ...load(), maxRss }, timeoutMs)
          if ('requeue' in loaded) {
            if (worker.declined) declines++
            continue
          }
          if ('killed' in loaded) return { ok: false, failure: { kind: 'worker', ...loaded.killed } }
          if (!loaded.ok)
            return loaded.error.code === 'PB_SANDBOX_MEMORY_LIMIT'
              ? { ok: false, failure: { kind: 'memory' } }
              : { ok: false, failure: { kind: 'internal', message: loaded.error.message } }
        }
        let answer: Awaited<ReturnType<WorkerProcess['run']>>
        try {
          answer = await worker.run(maxRss === undefined ? message : { ...message, maxRss }, timeoutMs)
        } catch (error) {
          return { ok: false, failure: { kind: 'input', message: (error as Error).message } }
        }
        if ('requeue' in answer) {
          if (worker.declined) declines++
          continue
        }
        return answer
      } finally {
        this.#settled(worker)
      }
    }
  }

  forget(transform: number): void {
    for (const w of this.#workers) w.unload(transform)
  }

  stats(): {
    workers: number
    workersStarted: number
    rssBytes: number
    heapUsedBytes: number
    externalBytes: number
    isolateHeapBytes: number
    loaded: number
    recycled: number
  } {
    let rssBytes = 0
    let heapUsedBytes = 0
    let externalBytes = 0
    let isolateHeapBytes = 0
    let loaded = 0
    for (const w of this.#workers) {
      if (!w.alive) continue
      rssBytes += w.rss
      heapUsedBytes += w.heapUsed
      externalBytes += w.external
      isolateHeapBytes += w.isolateHeap
      loaded += w.loaded.size
    }
    return {
      workers: this.#workers.filter((w) => w.alive).length,
      workersStarted: this.#started,
      rssBytes,
      heapUsedBytes,
      externalBytes,
      isolateHeapBytes,
      loaded,
      recycled: this.#recycled,
    }
  }

  /** Kills every worker; waiting requests fail. */
  dispose(): Promise<void> {
    this.#disposed = true
    clearInterval(this.#watchdog)
    for (const wake of this.#waiting.splice(0)) wake()
    const exits = this.#workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.child.exitCode !== null || w.child.signalCode !== null) return resolve()
          w.child.once('exit', () => resolve())
          w.kill({ code: 'PB_SANDBOX_CRASHED', message: 'the sandbox was disposed' })
        }),
    )
    return Promise.all(exits).then(() => undefined)
  }
}
