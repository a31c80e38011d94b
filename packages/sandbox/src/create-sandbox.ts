import { batchFailure } from './_batch-failure.ts'
import { type DecodeContext, decodeOutput } from './_decode.ts'
import { type BatchOutcome, execute } from './_execute.ts'
import { createHostFetch, type HostFetch } from './_fetch.ts'
import { createInstance, type Instance } from './_instance.ts'
import { loadIvm } from './_ivm.ts'
import { IsolatePool, type Slot } from './_pool.ts'
import { prepareSource } from './_source.ts'
import { resolveSandboxOptions, type SandboxOptions } from './sandbox-options.ts'
import type { CompileOptions, RunMetadata, Sandbox, SandboxTransform, TransformRun } from './types.ts'

let nextTransformId = 1

/** Most events per call into the isolate for transformEvent. */
const CHUNK = 250

/**
 * Creates a sandbox: a pool of isolated-vm isolates that compiles user transforms and runs
 * them a batch at a time, within memory, CPU, wall-clock and output limits. User code sees
 * plain JavaScript plus `log`, `console`, `fetch` (only to allowed hosts) and the built-in
 * modules; nothing of Node.
 *
 * Throws PB_SANDBOX_NODE_FLAG when Node was started without `--no-node-snapshot`.
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
  const ivm = loadIvm()
  const pool = new IsolatePool(ivm, opts.memoryLimitMb, opts.poolSize)
  const hostFetch: HostFetch | undefined = opts.fetch && createHostFetch(opts.fetch, opts.egress)

  const compile = async (code: string, compileOptions: CompileOptions): Promise<SandboxTransform> => {
    const prepared = await prepareSource(code, compileOptions.filename, compileOptions.language)
    const id = nextTransformId++
    const limits = {
      cpuTimeMs: compileOptions.cpuTimeMs ?? opts.cpuTimeMs,
      wallTimeMs: compileOptions.wallTimeMs ?? opts.wallTimeMs,
    }
    const config = {
      cpuTimeMs: limits.cpuTimeMs,
      outputLimitBytes: opts.outputLimitBytes,
      logLimitBytes: opts.logLimitBytes,
      fetch: hostFetch,
      step: compileOptions.step,
    }
    const instanceIn = (slot: Slot): Instance | Promise<Instance> => {
      const have = slot.instances.get(id)
      if (have && !have.dead) return have
      return createInstance(ivm, slot.isolate!, prepared, config).then((instance) => {
        slot.instances.set(id, instance)
        return instance
      })
    }

    // Load once now, so compile, import and export errors surface at compile time.
    const first = await pool.acquire(id)
    let kind: Instance['kind']
    try {
      kind = (await instanceIn(first)).kind
    } catch (error) {
      if (!first.isolate || first.isolate.isDisposed) pool.retire(first)
      throw error
    } finally {
      pool.release(first)
    }

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

    const run = async (events: readonly unknown[], metadata: RunMetadata = {}): Promise<TransformRun> => {
      if (disposed) throw new Error(`${prepared.filename}: this transform was disposed`)
      if (events.length === 0) return { results: [], logs: [] }
      const slot = await pool.acquire(id)
      try {
        let instance: Instance
        try {
          const got = instanceIn(slot)
          instance = got instanceof Promise ? await got : got
        } catch (error) {
          // It compiled before, so this is the isolate failing (out of memory while loading).
          const memory = !slot.isolate || slot.isolate.isDisposed
          pool.retire(slot)
          return failed(
            {
              ok: false,
              failure: memory ? { kind: 'memory' } : { kind: 'internal', message: (error as Error).message },
            },
            events,
          )
        }
        const meta: RunMetadata = {}
        if (metadata.sourceId !== undefined) meta.sourceId = metadata.sourceId
        if (metadata.destinationId !== undefined) meta.destinationId = metadata.destinationId
        // transformEvent batches cross in chunks: small working sets keep both heaps in their
        // young generation, which is faster than one large copy each way.
        const size = kind === 'transformEvent' ? CHUNK : events.length
        const deadline = performance.now() + limits.wallTimeMs
        const out: TransformRun = { results: [], logs: [] }
        for (let start = 0; start < events.length; start += size) {
          const piece = size >= events.length ? events : events.slice(start, start + size)
          const wallTimeMs = Math.max(1, Math.round(deadline - performance.now()))
          const pending = execute(pool, slot, instance, piece, meta, {
            cpuTimeMs: limits.cpuTimeMs,
            wallTimeMs,
          })
          const outcome = pending instanceof Promise ? await pending : pending
          // A limit hit anywhere fails the whole batch, as if it had crossed in one piece.
          if (!outcome.ok) return failed(outcome, events)
          const decoded = decodeOutput(outcome.output, piece, ctx)
          for (const r of decoded.results) out.results.push(r)
          for (const l of decoded.logs) out.logs.push(l)
          for (const reason of outcome.unhandled)
            out.logs.push({
              level: 'warn',
              message: `unhandled promise rejection (the batch went on): ${reason}`,
            })
        }
        return out
      } finally {
        pool.release(slot)
      }
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
      return { isolates: s.isolates, isolatesCreated: s.isolatesCreated, heapUsedBytes: pool.heapUsed() }
    },
    async dispose() {
      pool.dispose()
      await hostFetch?.close()
    },
  }
}
