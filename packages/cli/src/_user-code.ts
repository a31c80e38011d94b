import type { PipelineDefinition, UserCodeLoader } from '@patchbay/core'
import { color, type Output } from './_output.ts'

/**
 * The sandbox loader for pipelines with `code:` steps. @patchbay/sandbox (and isolated-vm)
 * is imported only when a pipeline needs it, so other commands start fast. What user code
 * logs goes to stderr, prefixed with its step.
 */
export async function userCodeLoaderFor(
  definition: PipelineDefinition,
  output: Output,
  quiet = false,
): Promise<(UserCodeLoader & { close(): Promise<void> }) | undefined> {
  if (!definition.transformations?.some((t) => t.code !== undefined)) return undefined
  const { createUserCodeLoader } = await import('@patchbay/sandbox')
  return createUserCodeLoader({
    ...definition.sandbox,
    ...(definition.egress ? { egress: definition.egress } : {}),
    ...(quiet
      ? {}
      : {
          onLog: (log: { step: string; level: string; message: string }) =>
            output.err(`${color.dim(log.step)} ${log.level} ${log.message}`),
        }),
  })
}
