import type { PipelineDefinition, UserCodeLoader } from '@patchbay/core'
import type { LookupIdentity } from '@patchbay/sandbox'
import { color, type Output } from './_output.ts'

/**
 * The sandbox loader for pipelines with `code:` steps. @patchbay/sandbox (and isolated-vm)
 * is imported only when a pipeline needs it, so other commands start fast. What user code
 * logs goes to stderr, prefixed with its step. `lookupIdentity` answers user code's
 * `lookupIdentity(id)` (the run's identity graph, when the pipeline stitches).
 */
export async function userCodeLoaderFor(
  definition: PipelineDefinition,
  output: Output,
  quiet = false,
  lookupIdentity?: LookupIdentity,
): Promise<(UserCodeLoader & { close(): Promise<void> }) | undefined> {
  if (!definition.transformations?.some((t) => t.code !== undefined)) return undefined
  const { createUserCodeLoader } = await import('@patchbay/sandbox')
  return createUserCodeLoader({
    ...definition.sandbox,
    ...(definition.egress ? { egress: definition.egress } : {}),
    ...(lookupIdentity ? { lookupIdentity } : {}),
    ...(quiet
      ? {}
      : {
          onLog: (log: { step: string; level: string; message: string }) =>
            output.err(`${color.dim(log.step)} ${log.level} ${log.message}`),
        }),
  })
}
