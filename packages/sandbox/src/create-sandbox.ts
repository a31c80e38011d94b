import { PatchbayError } from '@patchbay/core'
import { batchFailure } from './_batch-failure.ts'
import { type DecodeContext, decodeOutput } from './_decode.ts'
import type { BatchOutcome } from './_execute.ts'
import { prepareSource } from './_source.ts'
import type { LoadMessage } from './_worker/protocol.ts'
import { WorkerPool } from './_worker-pool.ts'
import { resolveSandboxOptions, SANDBOX_DEFAULTS, type SandboxOptions } from './sandbox-options.ts'
import type { CompileOptions, RunMetadata, Sandbox, SandboxTransform, TransformRun } from './types.ts'

let nextTransformId = 1

/** A piece of a batch back from its worker: decoded, or the failure that fails the whole batch. */
type Piece =
  | { ok: true; outcome: Extract<BatchOutcome, { ok: true }>; decoded: TransformRun }
  | Extract<BatchOutcome, { ok: false }>

/** Most events per call into the isolate for transformEvent. */
const CHUNK = 250
/**
 * Fewest events per piece when a transformEvent batch is spread over the workers: below this,
 * a crossing's fixed cost (two IPC messages, one call into the isolate) outweighs running in
 * parallel.
 */
const MIN_PIECE = 25

/**
 * How many events of a transformEvent batch cross in one piece: the batch is spread evenly
 * over the workers (so one caller's batch of 100 keeps both cores busy: the host encodes the
 * second piece and decodes the first while the workers run), in pieces of MIN_PIECE to CHUNK.
 */
function pieceSize(events: number, workers: number): number {
  return Math.min(CHUNK, Math.max(MIN_PIECE, Math.ceil(events / Math.max(1, workers))))
}
const MB = 2 ** 20

/**
 * Creates a sandbox: supervised worker processes, each holding isolated-vm isolates, that
 * compile user transforms and run them a batch at a time within memory, CPU, wall-clock,
 * log, output and fetch budgets. Untrusted code never runs in the calling process: a worker
 * that runs out of memory, hangs in a built-in or dies is killed and replaced, and only its
 * batch fails. User code sees plain JavaScript plus `log`, `console`, `fetch` (only to
 * allowed hosts) and the built-in modules; nothing of Node.
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
export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const opts = resolveSandboxOptions(options)
  const pool = new WorkerPool({
    size: opts.poolSize,
    init: {
      memoryLimitMb: opts.memoryLimitMb,
      outputLimitBytes: opts.outputLimitBytes,
      batchOutputLimitBytes: opts.batchOutputLimitBytes,
      maxFanOut: opts.maxFanOut,
      logLimitBytes: opts.logLimitBytes,
      maxLogEntries: opts.maxLogEntries,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(opts.egress ? { egress: opts.egress } : {}),
      heartbeatMs: Math.max(50, Math.floor(SANDBOX_DEFAULTS.heartbeatTimeoutMs / 10)),
    },
    memoryCap: (transforms) =>
      (opts.workerMemoryMb ??
        SANDBOX_DEFAULTS.workerBaseMemoryMb + 2 * opts.memoryLimitMb * Math.max(1, transforms)) * MB,
    heartbeatTimeoutMs: SANDBOX_DEFAULTS.heartbeatTimeoutMs,
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
    }
    let disposed = false

    const failed = (
      outcome: Extract<BatchOutcome, { ok: false }>,
      events: readonly unknown[],
    ): TransformRun => {
      const { error, logs } = batchFailure(outcome.failure, events.length, ctx)
      return { results: events.map(() => ({ ok: false, error })), logs }
    }

    const runPiece = async (
      piece: readonly unknown[],
      meta: RunMetadata,
      wallTimeMs: number,
    ): Promise<BatchOutcome> =>
      pool.run(
        { transform: id, events: piece as unknown[], meta, cpuTimeMs: limits.cpuTimeMs, wallTimeMs },
        loadMessage,
        wallTimeMs + Math.max(0, hostTimeoutMs - limits.wallTimeMs),
      )

    const run = async (events: readonly unknown[], metadata: RunMetadata = {}): Promise<TransformRun> => {
      if (disposed) throw new Error(`${prepared.filename}: this transform was disposed`)
      if (events.length === 0) return { results: [], logs: [] }
      const meta: RunMetadata = {}
      if (metadata.sourceId !== undefined) meta.sourceId = metadata.sourceId
      if (metadata.destinationId !== undefined) meta.destinationId = metadata.destinationId
      // transformEvent batches cross in pieces spread over the workers (small working sets
      // also keep the isolate heaps in their young generation); transformBatch needs the
      // whole batch in one call.
      const size = kind === 'transformEvent' ? pieceSize(events.length, opts.poolSize) : events.length
      const deadline = performance.now() + limits.wallTimeMs
      const out: TransformRun = { results: [], logs: [] }
      const pieces: Array<Promise<Piece>> = []
      for (let start = 0; start < events.length; start += size) {
        const piece = size >= events.length ? events : events.slice(start, start + size)
        // Each piece is decoded as soon as it is back, while the others still run.
        pieces.push(
          runPiece(piece, meta, Math.max(1, Math.round(deadline - performance.now()))).then((outcome) =>
            outcome.ok ? { ok: true, outcome, decoded: decodeOutput(outcome.output, piece, ctx) } : outcome,
          ),
        )
      }
      const answers = await Promise.all(pieces)
      for (const answer of answers) {
        // A limit hit anywhere fails the whole batch, as if it had crossed in one piece.
        if (!answer.ok) return failed(answer, events)
        const { outcome, decoded } = answer
        for (const r of decoded.results) out.results.push(r)
        for (const l of decoded.logs) out.logs.push(l)
        for (const reason of outcome.unhandled)
          out.logs.push({
            level: 'warn',
            message: `unhandled promise rejection (the batch went on): ${reason}`,
          })
      }
      return out
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
