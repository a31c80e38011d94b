import '../error-codes.ts'
import { isPatchbayError } from '@patchbay/core'
import type { Isolate } from 'isolated-vm'
import { type BatchOutcome, execute, type IsolateHolder } from '../_execute.ts'
import { createHostFetch, type HostFetch } from '../_fetch.ts'
import { createIdentityClient, type IdentityClient } from '../_identity-lookup.ts'
import {
  clipText,
  createInstance,
  type Instance,
  type InstanceConfig,
  type PreparedSource,
} from '../_instance.ts'
import type { Ivm } from '../_ivm.ts'
import { countJsonValues, valuesAtMost } from '../_json-values.ts'
import { createSourceMapper } from '../_sourcemap.ts'
import type { InitMessage, LoadError, LoadMessage, RunWithEvents, WorkerMessage } from './protocol.ts'

/**
 * One transform in this worker: its own isolate (so its memory is never blamed on another
 * transform) and its context there. An isolate that hit a limit is disposed and made again,
 * module and all, on the next batch.
 */
class TransformSlot implements IsolateHolder {
  isolate: Isolate | undefined
  instance: Instance | undefined
  readonly prepared: PreparedSource
  readonly config: InstanceConfig

  constructor(prepared: PreparedSource, config: InstanceConfig) {
    this.prepared = prepared
    this.config = config
  }

  retire(): void {
    if (this.instance) this.instance.dead = true
    this.instance = undefined
    const isolate = this.isolate
    this.isolate = undefined
    if (isolate && !isolate.isDisposed) {
      try {
        isolate.dispose()
      } catch {
        // already going away
      }
    }
  }
}

/** The output budgets of a batch, as one piece of it is held to them here. */
interface OutputBudget {
  bytes: number
  values: number
  /** The piece's share of `values`: an answer of at most twice this many characters is not counted. */
  share: number
}

/**
 * What crosses to the host is held to the batch's budgets here, outside the isolate, whatever
 * the runtime inside it answered (user code can change every built-in of its context): an
 * output longer than `batchOutputLimitBytes`, or holding more than `batchOutputLimitValues`
 * objects, arrays and strings, fails the piece without being sent (the host would refuse it
 * anyway, after receiving and holding all of it; decoding it is what costs the host), and so do
 * the logs of a batch that never settled; a message of the isolate's is cut as thrown values
 * are. Values are counted (here, where the time is not the host's) only in an answer long
 * enough to hold more than the piece's share of them: a batch of a few hundred ordinary events
 * is never scanned.
 */
function bounded(outcome: BatchOutcome, budget: OutputBudget): BatchOutcome {
  if (outcome.ok) {
    const length = outcome.output.length
    if (length > budget.bytes) return { ok: false, failure: { kind: 'output', chars: length } }
    if (valuesAtMost(length) <= budget.share) return outcome
    const values = countJsonValues(outcome.output, budget.values)
    if (values > budget.values) return { ok: false, failure: { kind: 'values', values } }
    return { ...outcome, values }
  }
  const failure = outcome.failure
  if (failure.kind === 'never-settled' && failure.logs.length > budget.bytes)
    return { ok: false, failure: { ...failure, logs: '[]' } }
  if (failure.kind === 'internal' || failure.kind === 'input')
    return { ok: false, failure: { ...failure, message: clipText(failure.message) } }
  return outcome
}

/** The transforms a worker holds, by the host's transform id. */
export class WorkerTransforms {
  readonly #ivm: Ivm
  readonly #init: InitMessage
  readonly #fetch: HostFetch | undefined
  readonly #identity: IdentityClient | undefined
  readonly #slots = new Map<number, TransformSlot>()

  constructor(ivm: Ivm, init: InitMessage, send: (message: WorkerMessage) => void) {
    this.#ivm = ivm
    this.#init = init
    this.#fetch = init.fetch && createHostFetch(init.fetch, (init.egress ?? {}) as never)
    this.#identity = init.identity && createIdentityClient(send, init.identity.batchBytes)
  }

  /**
   * When each recent batch's first piece started here (batch ids, oldest first; a few dozen
   * kept, since a batch's pieces arrive together).
   */
  readonly #batchStarts = new Map<number, number>()

  /** Milliseconds since the batch's first piece started in this worker (0 for that piece). */
  #batchClock(batch: number): number {
    const now = performance.now()
    const start = this.#batchStarts.get(batch)
    if (start !== undefined) return Math.ceil(now - start)
    this.#batchStarts.set(batch, now)
    if (this.#batchStarts.size > 64) this.#batchStarts.delete(this.#batchStarts.keys().next().value!)
    return 0
  }

  /** The host's answer to an identity lookup of the running batch. */
  identityAnswer(q: number, json: string): void {
    this.#identity?.answer(q, json)
  }

  async #instance(slot: TransformSlot): Promise<Instance> {
    if (slot.instance && !slot.instance.dead && slot.isolate && !slot.isolate.isDisposed) return slot.instance
    slot.retire()
    // No onCatastrophicError: when V8 loses control of an isolate, isolated-vm aborts this
    // process, and the host replaces it. (With a handler installed it would park the thread.)
    slot.isolate = new this.#ivm.Isolate({ memoryLimit: this.#init.memoryLimitMb })
    slot.instance = await createInstance(this.#ivm, slot.isolate, slot.prepared, slot.config)
    return slot.instance
  }

  async load(msg: LoadMessage): Promise<{ kind: Instance['kind'] } | { error: LoadError }> {
    const prepared: PreparedSource = {
      filename: msg.filename,
      code: msg.code,
      original: msg.original,
      mapper: msg.map === undefined ? undefined : createSourceMapper(msg.map),
    }
    const config: InstanceConfig = {
      cpuTimeMs: msg.cpuTimeMs,
      outputLimitBytes: this.#init.outputLimitBytes,
      batchOutputLimitBytes: this.#init.batchOutputLimitBytes,
      maxFanOut: this.#init.maxFanOut,
      logLimitBytes: this.#init.logLimitBytes,
      maxLogEntries: this.#init.maxLogEntries,
      fetch: this.#fetch,
      identity: this.#identity,
      step: msg.step,
    }
    const slot = new TransformSlot(prepared, config)
    try {
      const instance = await this.#instance(slot)
      this.#slots.set(msg.transform, slot)
      return { kind: instance.kind }
    } catch (error) {
      const memory = !slot.isolate || slot.isolate.isDisposed
      slot.retire()
      if (isPatchbayError(error))
        return {
          error: {
            code: error.code as LoadError['code'],
            // Already cut where it is made; the whole message never exceeds a few KB.
            message: clipText(error.message, 4 * 2000),
            ...(typeof error.location.line === 'number' ? { line: error.location.line } : {}),
            ...(typeof error.location.column === 'number' ? { column: error.location.column } : {}),
          },
        }
      return {
        error: memory
          ? {
              code: 'PB_SANDBOX_MEMORY_LIMIT',
              message: `${msg.filename}: ran out of memory while loading (the isolate memory limit of ${this.#init.memoryLimitMb} MB was reached)`,
            }
          : {
              code: 'PB_TRANSFORM_FAILED',
              message: `${msg.filename}: the sandbox failed while loading the transform: ${clipText(String((error as Error)?.message ?? error))}`,
            },
      }
    }
  }

  async run(msg: RunWithEvents): Promise<BatchOutcome> {
    const slot = this.#slots.get(msg.transform)
    if (!slot)
      return {
        ok: false,
        failure: { kind: 'internal', message: 'the transform is not loaded in this worker' },
      }
    let instance: Instance
    try {
      instance = await this.#instance(slot)
    } catch (error) {
      // It compiled before, so this is the isolate failing (out of memory while loading).
      const memory = !slot.isolate || slot.isolate.isDisposed
      slot.retire()
      return {
        ok: false,
        failure: memory
          ? { kind: 'memory' }
          : { kind: 'internal', message: clipText(String((error as Error)?.message)) },
      }
    }
    // The batch's time left: a piece that ran after the batch's other pieces here has less.
    const wallTimeMs = msg.batch === undefined ? msg.wallTimeMs : msg.wallTimeMs - this.#batchClock(msg.batch)
    if (wallTimeMs <= 0) return { ok: false, failure: { kind: 'wall-timeout' } }
    const fetch = this.#fetch
    // Only the share is captured, not the message: a closure holding the message (and its
    // events) past the batch got them promoted, and the worker's RSS grew by 50 MB in the soak.
    const share = msg.fetch
    try {
      return bounded(
        await execute(
          slot,
          instance,
          msg.events,
          msg.meta,
          {
            cpuTimeMs: msg.cpuTimeMs,
            wallTimeMs,
            lookups: this.#identity ? (msg.lookups ?? 0) : 0,
            lookupBytes: this.#identity?.batchBytes ?? 0,
          },
          () => fetch!.budget(share),
        ),
        {
          bytes: this.#init.batchOutputLimitBytes,
          values: this.#init.batchOutputLimitValues,
          share: msg.values ?? this.#init.batchOutputLimitValues,
        },
      )
    } finally {
      this.#identity?.reset()
    }
  }

  unload(transform: number): void {
    const slot = this.#slots.get(transform)
    if (!slot) return
    this.#slots.delete(transform)
    slot.retire()
  }

  /** Heap in use across this worker's isolates, in bytes. */
  isolateHeap(): number {
    let total = 0
    for (const slot of this.#slots.values()) {
      if (!slot.isolate || slot.isolate.isDisposed) continue
      const h = slot.isolate.getHeapStatisticsSync()
      total += h.used_heap_size + h.externally_allocated_size
    }
    return total
  }
}
