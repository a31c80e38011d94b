import '../error-codes.ts'
/**
 * The messages between the host and a sandbox worker process, as TypeBox schemas; the types
 * are derived from them. The host validates every message a worker sends before it acts on
 * it (a worker runs hostile code, so its answers are checked like any other input); the
 * worker trusts the host. Events travel with `serialization: 'advanced'` (V8's structured
 * clone), so they are never turned into JSON text on the way in; long strings (a piece's log
 * lines, an output) may cross through the request's slot file instead (_slot-files.ts).
 */
import Type, { type Static } from 'typebox'
import { Compile } from 'typebox/compile'

const Id = Type.Integer({ minimum: 0 })

export const WorkerFetchSchema = Type.Object({
  allow: Type.Array(Type.String()),
  timeoutMs: Type.Integer(),
  maxResponseBytes: Type.Integer(),
  maxConcurrent: Type.Integer(),
  maxRequests: Type.Integer(),
  maxBatchResponseBytes: Type.Integer(),
})

/** Sent once, first: the limits every transform of this worker runs under. */
export const InitMessageSchema = Type.Object({
  t: Type.Literal('init'),
  memoryLimitMb: Type.Integer(),
  outputLimitBytes: Type.Integer(),
  batchOutputLimitBytes: Type.Integer(),
  batchOutputLimitValues: Type.Integer(),
  maxFanOut: Type.Integer(),
  logLimitBytes: Type.Integer(),
  maxLogEntries: Type.Integer(),
  fetch: Type.Optional(WorkerFetchSchema),
  egress: Type.Optional(Type.Unknown()),
  /** Present when the host answers `lookupIdentity`: the answer bytes one batch may read. */
  identity: Type.Optional(Type.Object({ batchBytes: Type.Integer() })),
  heartbeatMs: Type.Integer(),
  /** Slot files the worker inherited, from descriptor FIRST_SLOT_FD on (see _slot-files.ts). */
  slots: Type.Optional(Type.Integer({ minimum: 0 })),
})

/** Compiles a transform into its own isolate (checking imports and exports). */
export const LoadMessageSchema = Type.Object({
  t: Type.Literal('load'),
  id: Id,
  transform: Id,
  filename: Type.String(),
  /** The JavaScript to compile. */
  code: Type.String(),
  /** The user's own text (for locating imports), and the source map when it was TypeScript. */
  original: Type.String(),
  map: Type.Optional(Type.String()),
  step: Type.Optional(Type.String()),
  cpuTimeMs: Type.Integer(),
  /**
   * Resident memory (bytes) past which the worker declines this request instead of starting it
   * (answering `declined`): an earlier batch grew the worker outside every isolate heap, and
   * this one, run there, would cross the cap and be blamed for it. Absent: always run.
   */
  maxRss: Type.Optional(Type.Integer({ minimum: 0 })),
})

export const RunMessageSchema = Type.Object({
  t: Type.Literal('run'),
  id: Id,
  transform: Id,
  /**
   * The events; for transformLine, the lines, or one string of them joined by newlines. Absent
   * when they wait in the request's slot file (`file`).
   */
  events: Type.Optional(Type.Union([Type.Array(Type.Unknown()), Type.String()])),
  /** The slot file this request owns until its answer is read; its answer may come back there. */
  slot: Type.Optional(Id),
  /** The events are in the slot file: this many bytes of V8's serialization. */
  file: Type.Optional(Type.Integer({ minimum: 0 })),
  meta: Type.Object({ sourceId: Type.Optional(Type.String()), destinationId: Type.Optional(Type.String()) }),
  cpuTimeMs: Type.Integer(),
  wallTimeMs: Type.Integer(),
  /**
   * Resident memory (bytes) past which the worker declines this request instead of starting it
   * (answering `declined`): an earlier batch grew the worker outside every isolate heap, and
   * this one, run there, would cross the cap and be blamed for it. Absent: always run.
   */
  maxRss: Type.Optional(Type.Integer({ minimum: 0 })),
  /**
   * The batch this piece belongs to (the host numbers them): the wall clock of a batch's
   * pieces in one worker runs from its first piece's start, so a piece that waited behind
   * the others gets only the batch's time left.
   */
  batch: Type.Optional(Id),
  /** How many `lookupIdentity` calls this batch may make (the host counts them too). */
  lookups: Type.Optional(Type.Integer({ minimum: 0 })),
  /**
   * A piece's share of batchOutputLimitValues, by its events (absent: the whole budget). An
   * answer of at most twice this many characters cannot hold more than the share, so the worker
   * counts only answers longer than that.
   */
  values: Type.Optional(Type.Integer({ minimum: 0 })),
  /** A piece's share of the batch's fetch budget (absent: the whole budget). */
  fetch: Type.Optional(
    Type.Object({
      maxRequests: Type.Integer({ minimum: 0 }),
      maxBatchResponseBytes: Type.Integer({ minimum: 0 }),
    }),
  ),
})

export const UnloadMessageSchema = Type.Object({ t: Type.Literal('unload'), transform: Id })

/** The host's answer to a worker's `identity` request: JSON for the isolate's `deliver`. */
export const IdentityAnswerMessageSchema = Type.Object({
  t: Type.Literal('identity-answer'),
  q: Id,
  json: Type.String(),
})

export const HostMessageSchema = Type.Union([
  InitMessageSchema,
  LoadMessageSchema,
  RunMessageSchema,
  UnloadMessageSchema,
  IdentityAnswerMessageSchema,
])

/** Longest id user code may look up (checked in the isolate, the worker and the host). */
export const IDENTITY_ID_LIMIT = 1024

export const BatchFailureSchema = Type.Union([
  Type.Object({ kind: Type.Literal('memory') }),
  Type.Object({ kind: Type.Literal('cpu-timeout') }),
  Type.Object({ kind: Type.Literal('wall-timeout') }),
  Type.Object({ kind: Type.Literal('never-settled'), logs: Type.String() }),
  Type.Object({ kind: Type.Literal('input'), message: Type.String() }),
  Type.Object({ kind: Type.Literal('internal'), message: Type.String() }),
  /**
   * The pieces of a batch together returned more than batchOutputLimitBytes (added up by the
   * host), or one piece did by itself (the worker refuses to send it).
   */
  Type.Object({ kind: Type.Literal('output'), chars: Type.Integer() }),
  /**
   * The pieces of a batch together returned more than batchOutputLimitValues objects, arrays
   * and strings (added up by the host), or one piece did by itself (the worker refuses to send it).
   */
  Type.Object({ kind: Type.Literal('values'), values: Type.Integer() }),
  /** Host-side only: the host killed the worker running the batch, or it died. */
  Type.Object({
    kind: Type.Literal('worker'),
    code: Type.Union([
      Type.Literal('PB_SANDBOX_TIMEOUT'),
      Type.Literal('PB_SANDBOX_MEMORY_LIMIT'),
      Type.Literal('PB_SANDBOX_CRASHED'),
    ]),
    message: Type.String(),
  }),
])

export const BatchOutcomeSchema = Type.Union([
  Type.Object({
    ok: Type.Literal(true),
    output: Type.String(),
    unhandled: Type.Array(Type.String()),
    /**
     * The objects, arrays and strings in `output`, when the worker counted them (the answer was
     * longer than twice its share of batchOutputLimitValues); else the host charges the most it
     * can hold, one per two characters.
     */
    values: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
  Type.Object({ ok: Type.Literal(false), failure: BatchFailureSchema }),
])

/** A successful outcome whose output the worker wrote to the request's slot file. */
export const FiledOutcomeSchema = Type.Object({
  ok: Type.Literal(true),
  /** Bytes of V8's serialization of the output string. */
  file: Type.Integer({ minimum: 1 }),
  unhandled: Type.Array(Type.String()),
  values: Type.Optional(Type.Integer({ minimum: 0 })),
})

export const LoadErrorSchema = Type.Object({
  code: Type.Union([
    Type.Literal('PB_SANDBOX_COMPILE'),
    Type.Literal('PB_SANDBOX_IMPORT'),
    Type.Literal('PB_SANDBOX_EXPORT'),
    Type.Literal('PB_SANDBOX_MEMORY_LIMIT'),
    Type.Literal('PB_TRANSFORM_FAILED'),
  ]),
  message: Type.String(),
  line: Type.Optional(Type.Integer()),
  column: Type.Optional(Type.Integer()),
})

export const WorkerMessageSchema = Type.Union([
  Type.Object({ t: Type.Literal('ready') }),
  Type.Object({
    t: Type.Literal('loaded'),
    id: Id,
    kind: Type.Union([
      Type.Literal('transformEvent'),
      Type.Literal('transformBatch'),
      Type.Literal('transformLine'),
    ]),
  }),
  Type.Object({ t: Type.Literal('load-failed'), id: Id, error: LoadErrorSchema }),
  Type.Object({
    t: Type.Literal('done'),
    id: Id,
    outcome: Type.Union([BatchOutcomeSchema, FiledOutcomeSchema]),
  }),
  /** The request was not started: the worker's memory was past its `maxRss`. */
  Type.Object({ t: Type.Literal('declined'), id: Id }),
  /** User code in the running batch called `lookupIdentity(key)`; the host answers with `q`. */
  Type.Object({
    t: Type.Literal('identity'),
    q: Id,
    key: Type.String({ minLength: 1, maxLength: 1024 }),
  }),
  /** Every heartbeatMs while the worker's event loop turns: its memory, for the watchdog and stats. */
  Type.Object({
    t: Type.Literal('beat'),
    rss: Type.Number(),
    heapUsed: Type.Number(),
    /** Memory outside the worker's own heap (buffers, and the strings isolates hand back). */
    external: Type.Number(),
    isolateHeap: Type.Number(),
  }),
])

export type InitMessage = Static<typeof InitMessageSchema>
export type LoadMessage = Static<typeof LoadMessageSchema>
export type RunMessage = Static<typeof RunMessageSchema>
/** A run request once its events are at hand (read from its slot file when they were there). */
export type RunWithEvents = RunMessage & { events: NonNullable<RunMessage['events']> }
export type HostMessage = Static<typeof HostMessageSchema>
export type IdentityAnswerMessage = Static<typeof IdentityAnswerMessageSchema>
export type WorkerMessage = Static<typeof WorkerMessageSchema>
export type BatchFailure = Static<typeof BatchFailureSchema>
export type BatchOutcome = Static<typeof BatchOutcomeSchema>
export type FiledOutcome = Static<typeof FiledOutcomeSchema>
export type LoadError = Static<typeof LoadErrorSchema>

export const checkWorkerMessage = Compile(WorkerMessageSchema)
