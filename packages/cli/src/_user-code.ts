import type { PipelineDefinition, UserCodeLoader } from '@patchbay/core'

/**
 * The sandbox loader for pipelines with `code:` steps. @patchbay/sandbox (and isolated-vm)
 * is imported only when a pipeline needs it, so other commands start fast.
 */
export async function userCodeLoaderFor(definition: PipelineDefinition): Promise<UserCodeLoader | undefined> {
  if (!definition.transformations?.some((t) => t.code !== undefined)) return undefined
  const { createUserCodeLoader } = await import('@patchbay/sandbox')
  return createUserCodeLoader(definition.sandbox ?? {})
}
