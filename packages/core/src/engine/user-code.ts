import type { PatchbayEvent } from '@patchbay/protocol'
import type { PatchbayError } from '../errors/patchbay-error.ts'
import type { SandboxSettings } from '../pipeline/sandbox-settings.ts'

/** A transformation's answer for one input item: its output events, or an error. */
export type StepResult = { ok: true; events: unknown[] } | { ok: false; error: PatchbayError }

/**
 * What the engine needs to run user code (`code:` steps). @patchbay/sandbox provides it;
 * core does not depend on the sandbox.
 */
export interface UserCodeLoader {
  load(
    file: string,
    options: { stepId: string; limits?: SandboxSettings },
  ): Promise<{
    run(
      events: PatchbayEvent[],
      metadata: { sourceId?: string; destinationId?: string },
    ): Promise<{ results: StepResult[] }>
    dispose(): void | Promise<void>
  }>
}
