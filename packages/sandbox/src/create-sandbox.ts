import './error-codes.ts'
import { PatchbayError, type StepResult } from '@patchbay/core'
import { batchFailure } from './_batch-failure.ts'
import { batchLogs } from './_batch-logs.ts'
import { type DecodeContext, decodeOutput } from './_decode.ts'
import type { BatchOutcome } from './_execute.ts'
import { valuesAtMost } from './_json-values.ts'
import { pieceEnds } from './_pieces.ts'
import { prepareSource } from './_source.ts'
import type { LoadMessage } from './_worker/protocol.ts'
import { WorkerPool } from './_worker-pool.ts'
import { resolveSandboxOptions, SANDBOX_DEFAULTS, type SandboxOptions } from './sandbox-options.ts'
import type {
  CompileOptions,
  RunMetadata,
  Sandbox,
  SandboxCallbacks,
  SandboxTransform,
  TransformRun,
} from './types.ts'

let nextTransformId = 1
/** Numbers the batches, so a worker knows the pieces of one batch (their wall clock is one). */
let nextBatch = 0

/** The raw line of a log source's event: its `properties.message`, when that is a string. */
function lineOf(event: unknown): string | undefined {
  const properties = (event as { properties?: unknown } | null)?.properties
  const message = (properties as { message?: unknown } | null | undefined)?.message
  return typeof message === 'string' ? message : undefined
}

/**
 * Lines cross as one string joined by newlines (one copy into the worker and one into the
 * isolate, split there), unless a line holds a newline itself; then as an array.
 */
function joinLines(lines: string[]): string | string[] {
  for (const line of lines) if (line.includes('\n')) return lines
  return lines.join('\n')
}

function notALine(event: unknown, ctx: DecodeContext): PatchbayError {
  const id = (event as { messageId?: unknown } | null)?.messageId
  const messageId = typeof id === 'string' ? id : undefined
  return new PatchbayError(
    'PB_TRANSFORM_FAILED',
    `${ctx.filename}: transformLine takes log lines, and this event has no string properties.message${messageId ? ` (event ${messageId})` : ''}`,
    {
      step: ctx.step,
      file: ctx.filename,
      messageId,
      hint: 'Feed it from a log source (@patchbay/source-log), or export transformEvent to transform any event.',
    },
  )
}

/** A piece of a batch back from its worker: decoded, or the failure that fails the whole batch. */
type Piece =
  | { ok: true; outcome: Extract<BatchOutcome, { ok: true }>; decoded: TransformRun }
  | Extract<BatchOutcome, { ok: false }>

const MB = 2 ** 20

/** What a piece of an already failed batch comes back as: never sent (or not decoded). */
const NOT_SENT: Extract<BatchOutcome, { ok: false }> = {
  ok: false,
  failure: { kind: 'internal', message: 'not sent: its batch had already failed' },
}

/**
 * Creates a sandbox: supervised worker processes, each holding isolated-vm isolates, that
 * compile user transforms and run them a batch at a time within memory, CPU, wall-clock,
 * log, output and fetch budgets. Untrusted code never runs in the calling process: a worker
 * that runs out of memory, hangs in a built-in or dies is killed and replaced, and only its
 * batch fails. User code sees plain JavaScript plus `log`, `console`, `fetch` (only to
 * allowed hosts), `lookupIdentity` (answered by `options.lookupIdentity`, when given) and the
 * built-in modules; nothing of Node.
 *
 * Worker processes start on first use; `dispose()` kills them.
 *
 * @example
 * const sandbox = createSandbox({ memoryLimitMb: 64 })
 * const t = await sandbox.compile(
 *   `export function transformEvent(e) { return e.event === 'Ping' ? null : { ...e, seen: true } }`,
 *   { filename: 'enrich.js' },
 * )
 * const { results, logs } = await t.run(events, { sourceId: 'web' })
 * await sandbox.dispose()
 */
export function createSandbox(options: SandboxOptions & SandboxCallbacks = {}): Sandbox {
  const { lookupIdentity, ...settings } = options
  const opts = resolveSandboxOptions(settings)
  const pool = new WorkerPool({
    size: opts.poolSize,
    init: {
      memoryLimitMb: opts.memoryLimitMb,
      outputLimitBytes: opts.outputLimitBytes,
      batchOutputLimitBytes: opts.batchOutputLimitBytes,
      batchOutputLimitValues: opts.batchOutputLimitValues,
      maxFanOut: opts.maxFanOut,
      logLimitBytes: opts.logLimitBytes,
      maxLogEntries: opts.maxLogEntries,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(opts.egress ? { egress: opts.egress } : {}),
      ...(lookupIdentity ? { identity: { batchBytes: SANDBOX_DEFAULTS.identityBatchBytes } } : {}),
      heartbeatMs: Math.max(50, Math.floor(SANDBOX_DEFAULTS.heartbeatTimeoutMs / 10)),
    },
    memoryCap: (transforms) =>
      (opts.workerMemoryMb ??
        SANDBOX_DEFAULTS.workerBaseMemoryMb + 2 * opts.memoryLimitMb * Math.max(1, transforms)) * MB,
    heartbeatTimeoutMs: SANDBOX_DEFAULTS.heartbeatTimeoutMs,
    lookupIdentity,
  })

  const compile = async (code: string, compileOptions: CompileOptions): Promise<SandboxTransform> => {
    const prepared = await prepareSource(code, compileOptions.filename, compileOptions.language)
    const id = nextTransformId++
    const limits = {
      cpuTimeMs: compileOptions.cpuTimeMs ?? opts.cpuTimeMs,
      wallTimeMs: compileOptions.wallTimeMs ?? opts.wallTimeMs,
    }
    /** How long the host waits for a worker's answer before it kills it. */
    const hostTimeoutMs = Math.max(limits.wallTimeMs, limits.cpuTimeMs) + SANDBOX_DEFAULTS.wallGraceMs
    const loadMessage = (): Omit<LoadMessage, 't' | 'id'> => ({
      transform: id,
      filename: prepared.filename,
      code: prepared.code,
      original: prepared.original,
      ...(prepared.map !== undefined ? { map: prepared.map } : {}),
      ...(compileOptions.step !== undefined ? { step: compileOptions.step } : {}),
      cpuTimeMs: limits.cpuTimeMs,
    })
    const where = { file: prepared.filename, step: compileOptions.step }

    // Load once now, so compile, import and export errors surface at compile time.
    const loaded = await pool.load(loadMessage(), hostTimeoutMs)
    if ('killed' in loaded)
      throw new PatchbayError(
        loaded.killed.code === 'PB_SANDBOX_CRASHED' ? 'PB_SANDBOX_COMPILE' : loaded.killed.code,
        `${prepared.filename}: loading the module took the sandbox worker down: ${loaded.killed.message}`,
        where,
      )
    if (!loaded.ok) {
      const { error } = loaded
      throw new PatchbayError(error.code, error.message, { ...where, line: error.line, column: error.column })
    }
    const kind = loaded.kind

    const ctx: DecodeContext = {
      filename: prepared.filename,
      step: compileOptions.step,
      mapper: prepared.mapper,
      kind,
      memoryLimitMb: opts.memoryLimitMb,
      cpuTimeMs: limits.cpuTimeMs,
      wallTimeMs: limits.wallTimeMs,
      batchOutputLimitBytes: opts.batchOutputLimitBytes,
      batchOutputLimitValues: opts.batchOutputLimitValues,
      maxFanOut: opts.maxFanOut,
    }
    let disposed = false

    const failed = (
      outcome: Extract<BatchOutcome, { ok: false }>,
      events: readonly unknown[],
    ): TransformRun => {
      const { error, logs } = batchFailure(outcome.failure, events.length, ctx)
      return { results: events.map(() => ({ ok: false, error })), logs }
    }

    /**
     * One piece of a batch. Every budget stated per batch holds for the batch, however many
     * pieces it crosses in: the wall clock from the batch's first piece in each worker (a piece
     * that ran after the others gets only the time left), fetches and identity lookups by each piece's share
     * (in proportion to its events), output and logs by the host adding up the pieces (a piece's
     * share of the output values only decides whether its worker counts them).
     */
    const runPiece = async (
      piece: readonly unknown[],
      meta: RunMetadata,
      batch: number,
      share: number,
      skip: () => BatchOutcome | undefined,
    ): Promise<BatchOutcome> => {
      const fetch = opts.fetch
      return pool.run(
        {
          transform: id,
          events: kind === 'transformLine' ? joinLines(piece as string[]) : (piece as unknown[]),
          meta,
          cpuTimeMs: limits.cpuTimeMs,
          wallTimeMs: limits.wallTimeMs,
          batch,
          ...(lookupIdentity ? { lookups: piece.length * SANDBOX_DEFAULTS.identityLookupsPerEvent } : {}),
          ...(share < 1 ? { values: Math.floor(opts.batchOutputLimitValues * share) } : {}),
          ...(fetch && share < 1
            ? {
                fetch: {
                  maxRequests: Math.ceil(fetch.maxRequests * share),
                  maxBatchResponseBytes: Math.ceil(fetch.maxBatchResponseBytes * share),
                },
              }
            : {}),
        },
        loadMessage,
        hostTimeoutMs,
        skip,
      )
    }

    /**
     * Runs `inputs` (what crosses: the events, or for transformLine their lines) and decodes
     * the answers against `events`. transformEvent and transformLine batches cross in pieces
     * spread over the workers (small working sets also keep the isolate heaps in their young
     * generation); transformBatch needs the whole batch in one call.
     */
    const runAll = async (
      events: readonly unknown[],
      inputs: readonly unknown[],
      meta: RunMetadata,
    ): Promise<TransformRun | Extract<BatchOutcome, { ok: false }>> => {
      const ends = pieceEnds(kind, inputs, opts.poolSize, opts.spread)
      const batch = nextBatch++
      const out: TransformRun = { results: [], logs: [] }
      const pieces: Array<Promise<Piece>> = []
      // Output back so far: past the batch limits, the pieces still to come are not decoded
      // (decoded JSON of empty arrays takes ten times its text), and the batch fails. Values are
      // what a piece's worker counted, or for a piece too short to be counted the most it can
      // hold: a batch whose pieces were all that short is within the limit by their shares.
      let outputChars = 0
      let outputValues = 0
      // The batch's first failure: the pieces still waiting for a worker are then not sent
      // (nor their output received), so a batch of 16,000 events that is over its output
      // limit after three pieces holds three pieces' output on the host, not sixty-four. A
      // piece whose own output is over the batch limit (the runtime's batch error) fails the
      // whole batch too, with that error.
      let failed: TransformRun | Extract<BatchOutcome, { ok: false }> | undefined
      const skip = () => (failed ? NOT_SENT : undefined)
      let start = 0
      for (const end of ends) {
        const whole = ends.length === 1
        const piece = whole ? inputs : inputs.slice(start, end)
        const against = whole ? events : events.slice(start, end)
        start = end
        // Each piece is decoded as soon as it is back, while the others still run.
        pieces.push(
          runPiece(piece, meta, batch, piece.length / inputs.length, skip).then((outcome): Piece => {
            if (!outcome.ok) {
              if (outcome !== NOT_SENT) failed ??= outcome
              return outcome
            }
            if (failed) return NOT_SENT
            outputChars += outcome.output.length
            if (outputChars > opts.batchOutputLimitBytes) {
              failed = { ok: false, failure: { kind: 'output', chars: outputChars } }
              return NOT_SENT
            }
            outputValues += outcome.values ?? valuesAtMost(outcome.output.length)
            if (outputValues > opts.batchOutputLimitValues) {
              failed = { ok: false, failure: { kind: 'values', values: outputValues } }
              return NOT_SENT
            }
            const decoded = decodeOutput(outcome.output, against, ctx)
            if (decoded.batchError && !whole) {
              const error = decoded.batchError
              failed = { results: events.map(() => ({ ok: false, error })), logs: decoded.logs }
              return NOT_SENT
            }
            return { ok: true, outcome, decoded }
          }),
        )
      }
      const answers = await Promise.all(pieces)
      // A limit hit anywhere fails the whole batch, as if it had crossed in one piece: the
      // first failure that came back is the batch's.
      if (failed) return failed
      const logs = batchLogs(opts.maxLogEntries, opts.logLimitBytes)
      for (const answer of answers) {
        if (!answer.ok) return answer
        const { outcome, decoded } = answer
        for (const r of decoded.results) out.results.push(r)
        logs.addPiece(decoded.logs)
        for (const reason of outcome.unhandled)
          logs.add({
            level: 'warn',
            message: `unhandled promise rejection (the batch went on): ${reason}`,
          })
      }
      out.logs = logs.logs()
      return out
    }

    /**
     * transformLine: only each event's line crosses (its `properties.message`), the user code
     * builds the event inside the sandbox, and only what it keeps comes back, laid over the
     * line's event on the host. An event without a line fails alone.
     */
    const runLines = async (events: readonly unknown[], meta: RunMetadata): Promise<TransformRun> => {
      const results: StepResult[] = new Array(events.length)
      const lines: string[] = []
      const withLine: unknown[] = []
      const at: number[] = []
      for (let i = 0; i < events.length; i++) {
        const event = events[i]
        const line = lineOf(event)
        if (line === undefined) results[i] = { ok: false, error: notALine(event, ctx) }
        else {
          lines.push(line)
          withLine.push(event)
          at.push(i)
        }
      }
      if (lines.length === 0) return { results, logs: [] }
      const ran = await runAll(withLine, lines, meta)
      if (!('results' in ran)) return failed(ran, events)
      const decoded = ran.results
      for (let j = 0; j < decoded.length; j++) {
        const result = decoded[j]!
        // A dropped line's result (no events) is used as it came back: most lines of a filter are.
        if (result.ok && result.events.length > 0) {
          const base = withLine[j] as Record<string, unknown>
          result.events = result.events.map((built) => ({ ...base, ...(built as object) }))
        }
        results[at[j]!] = result
      }
      return { results, logs: ran.logs }
    }

    const run = async (events: readonly unknown[], metadata: RunMetadata = {}): Promise<TransformRun> => {
      if (disposed) throw new Error(`${prepared.filename}: this transform was disposed`)
      if (events.length === 0) return { results: [], logs: [] }
      const meta: RunMetadata = {}
      if (metadata.sourceId !== undefined) meta.sourceId = metadata.sourceId
      if (metadata.destinationId !== undefined) meta.destinationId = metadata.destinationId
      if (kind === 'transformLine') return runLines(events, meta)
      const ran = await runAll(events, events, meta)
      return 'results' in ran ? ran : failed(ran, events)
    }

    return {
      kind,
      filename: prepared.filename,
      run,
      dispose() {
        if (disposed) return
        disposed = true
        pool.forget(id)
      },
    }
  }

  return {
    compile,
    stats: () => {
      const s = pool.stats()
      const host = process.memoryUsage()
      return {
        isolates: s.loaded,
        isolatesCreated: s.workersStarted,
        heapUsedBytes: s.isolateHeapBytes,
        workers: s.workers,
        workersStarted: s.workersStarted,
        workersRecycled: s.recycled,
        workerRssBytes: s.rssBytes,
        workerHeapUsedBytes: s.heapUsedBytes,
        workerExternalBytes: s.externalBytes,
        hostRssBytes: host.rss,
        hostHeapUsedBytes: host.heapUsed,
        hostExternalBytes: host.external,
      }
    },
    dispose: () => pool.dispose(),
  }
}
