import type { StepResult } from '@patchbay/core'

/**
 * One person as user code sees it through `lookupIdentity(id)`: the canonical id and the
 * person's identifiers by type (each list sorted). Inside the isolate it is a frozen, plain
 * copy made from JSON; nothing else of the host's answer crosses.
 */
export interface SandboxIdentity {
  canonicalId: string
  /** Identifier values by type, e.g. `{ userId: ['u1'], email: ['ada@example.com'] }`. */
  identifiers: Record<string, string[]>
}

/**
 * The host's side of `lookupIdentity(id)`: answers the person an identifier belongs to
 * (`type:value`, a bare value or a canonical id), or undefined when it is unknown. A
 * `@patchbay/identity` graph's `lookup` fits as it is; only `canonicalId` and `identifiers`
 * of what it returns reach user code.
 */
export type LookupIdentity = (
  id: string,
) => Promise<SandboxIdentity | undefined> | SandboxIdentity | undefined

/** What a sandbox can call back into the host for, besides its settings. */
export interface SandboxCallbacks {
  /**
   * Enables `lookupIdentity(id)` in user code, answered by this function in the host's
   * process. Without it, `lookupIdentity` rejects with PB_SANDBOX_IDENTITY_DISABLED.
   */
  lookupIdentity?: LookupIdentity
}

/** A line user code logged with `log()` or `console.*` during a batch. */
export interface SandboxLog {
  level: 'log' | 'info' | 'warn' | 'error' | 'debug'
  message: string
  /** The event being transformed when it was logged (synchronous code only). */
  messageId?: string
}

/** Ids user code reads through `metadata(event)`. */
export interface RunMetadata {
  sourceId?: string
  destinationId?: string
}

/** What a batch produced: one result per input event, in order, and the captured logs. */
export interface TransformRun {
  results: StepResult[]
  logs: SandboxLog[]
}

export interface CompileOptions {
  /** The name errors and stack traces show, usually the path the user gave. `.ts` means TypeScript. */
  filename: string
  /** Overrides the language the file name implies. */
  language?: 'js' | 'ts'
  /** Pipeline step label for error locations, e.g. `transformations.enrich`. */
  step?: string
  /** Per-transform limits (the memory limit is per sandbox). */
  cpuTimeMs?: number
  wallTimeMs?: number
}

/** A compiled user transform, ready to run batches. */
export interface SandboxTransform {
  /** Which function the module exports. */
  readonly kind: 'transformEvent' | 'transformBatch' | 'transformLine'
  readonly filename: string
  /**
   * Runs a batch. Never rejects for anything user code does: a throw, a bad return value, a
   * timeout or running out of memory come back as failed results.
   */
  run(events: readonly unknown[], metadata?: RunMetadata): Promise<TransformRun>
  /** Frees the transform's contexts. */
  dispose(): void
}

export interface SandboxStats {
  /** Transforms loaded across live workers (each has its own isolate in each worker that runs it). */
  isolates: number
  /** Worker processes started so far (the same as workersStarted; kept for compatibility). */
  isolatesCreated: number
  /** Heap used by the live isolates, in bytes, as the workers last reported it (every 500 ms). */
  heapUsedBytes: number
  /** Worker processes alive now. */
  workers: number
  /** Worker processes started so far: a worker killed after a limit is replaced by a new one. */
  workersStarted: number
  /**
   * Workers replaced between batches because their memory passed 60% of their cap (memory
   * outside the isolates' heaps, such as `Intl` data kept in module state), with no batch failed.
   */
  workersRecycled: number
  /** Resident memory of the live workers, in bytes, as last read (the host's own memory is not included). */
  workerRssBytes: number
  /** The workers' own Node heaps (not the isolates'), in bytes, as they last reported them. */
  workerHeapUsedBytes: number
  /**
   * The workers' memory outside their Node heaps (IPC buffers, and the output strings isolates
   * hand back until a worker collects them), in bytes, as they last reported them.
   */
  workerExternalBytes: number
  /** Resident memory of the host process (the one that called createSandbox), in bytes, now. */
  hostRssBytes: number
  /** The host's Node heap in use, in bytes, now. */
  hostHeapUsedBytes: number
  /** The host's memory outside its Node heap (buffers, external strings), in bytes, now. */
  hostExternalBytes: number
}

/** A pool of isolates that compiles and runs user transforms. */
export interface Sandbox {
  compile(code: string, options: CompileOptions): Promise<SandboxTransform>
  stats(): SandboxStats
  /** Kills every worker process; transforms of this sandbox stop working. */
  dispose(): Promise<void>
}

/** The signature of a user `transformEvent`, for authors who write TypeScript. */
export type TransformEventFunction<E = Record<string, unknown>> = (
  event: E,
  metadata: (event: unknown) => { sourceId?: string; destinationId?: string; messageId?: string },
) => E | E[] | null | undefined | Promise<E | E[] | null | undefined>

/**
 * The signature of a user `transformLine`: the raw text of one log line in (the
 * `properties.message` of a log source's event), the fields of the event to send out. What it
 * returns is laid over the line's event (`{ ...lineEvent, ...returned }`), so returning
 * `{ event, properties }` keeps the line's `type`, ids, timestamps and context.
 */
export type TransformLineFunction<E = Record<string, unknown>> = (
  line: string,
  metadata: (line: string) => { sourceId?: string; destinationId?: string },
) => E | E[] | null | undefined | Promise<E | E[] | null | undefined>

/** The signature of a user `transformBatch`. */
export type TransformBatchFunction<E = Record<string, unknown>> = (
  events: E[],
  metadata: (event: unknown) => { sourceId?: string; destinationId?: string; messageId?: string },
) => E[] | null | undefined | Promise<E[] | null | undefined>
