import type { StepResult } from '@patchbay/core'
import { createSandbox, type Sandbox, type SandboxOptions } from '../src/index.ts'

/** A track event like the ones transforms see, with a fixed messageId. */
export function track(messageId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'track',
    event: 'Order Completed',
    messageId,
    userId: 'user-1',
    timestamp: '2024-05-01T12:00:00.000Z',
    properties: { revenue: 42.5, currency: 'USD' },
    ...extra,
  }
}

/** The events of an ok result, or the failure's code and message, for compact assertions. */
export function summarize(result: StepResult): unknown {
  return result.ok ? result.events : { code: result.error.code, message: result.error.message }
}

export function sandboxFor(options: SandboxOptions = {}): Sandbox {
  return createSandbox(options)
}
