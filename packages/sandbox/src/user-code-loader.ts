import { readFile } from 'node:fs/promises'
import { isAbsolute, relative } from 'node:path'
import { ConfigurationError, type UserCodeLoader } from '@patchbay/core'
import { createSandbox } from './create-sandbox.ts'
import type { SandboxOptions } from './sandbox-options.ts'
import type { Sandbox, SandboxCallbacks, SandboxLog, TransformRun } from './types.ts'

export interface UserCodeLoaderOptions extends SandboxOptions, SandboxCallbacks {
  /** Receives what user code logged, per batch, with the step it came from. */
  onLog?: (log: SandboxLog & { step: string }) => void
}

/** A user code loader that can also be closed, which disposes its sandbox. */
export interface SandboxUserCodeLoader extends UserCodeLoader {
  close(): Promise<void>
}

function displayName(file: string): string {
  const rel = relative(process.cwd(), file)
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file
}

/**
 * The loader the pipeline engine uses for `code:` transformation steps: each file is
 * compiled in one shared sandbox (created on first use) and run a batch at a time. The
 * pipeline's `sandbox:` settings set the limits; `run()` also returns the captured logs.
 *
 * @example
 * const pipeline = await createPipeline(loaded, {
 *   userCode: createUserCodeLoader({ ...loaded.definition.sandbox, egress: loaded.definition.egress }),
 * })
 */
export function createUserCodeLoader(options: UserCodeLoaderOptions = {}): SandboxUserCodeLoader {
  const { onLog, ...sandboxOptions } = options
  let sandbox: Sandbox | undefined
  let open = 0
  return {
    async load(file, { stepId, limits }) {
      const step = `transformations.${stepId}`
      let code: string
      try {
        code = await readFile(file, 'utf8')
      } catch (error) {
        throw new ConfigurationError(
          `${step}: cannot read the user code file ${file}: ${(error as Error).message}`,
          {
            step,
            file,
          },
        )
      }
      sandbox ??= createSandbox({
        ...sandboxOptions,
        ...(limits?.memoryLimitMb !== undefined ? { memoryLimitMb: limits.memoryLimitMb } : {}),
      })
      const transform = await sandbox.compile(code, {
        filename: displayName(file),
        step,
        cpuTimeMs: limits?.cpuTimeMs,
        wallTimeMs: limits?.wallTimeMs,
      })
      open++
      let closed = false
      return {
        async run(events, metadata): Promise<TransformRun> {
          const out = await transform.run(events, metadata)
          if (onLog) for (const log of out.logs) onLog({ ...log, step })
          return out
        },
        async dispose() {
          if (closed) return
          closed = true
          transform.dispose()
          if (--open === 0 && sandbox) {
            const s = sandbox
            sandbox = undefined
            await s.dispose()
          }
        },
      }
    },
    async close() {
      const s = sandbox
      sandbox = undefined
      await s?.dispose()
    },
  }
}
