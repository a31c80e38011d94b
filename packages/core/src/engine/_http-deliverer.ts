import { createDeliverer } from '../delivery/deliverer.ts'
import { createUndiciTransport } from '../delivery/undici-transport.ts'
import type { PipelineDefinition } from '../pipeline/pipeline-schema.ts'
import type { EngineDeliverer, PreparedDestination } from './_steps.ts'

/**
 * The default deliverer of a destination: HTTP over undici, with the pipeline's egress
 * policy. With `singleAttempt`, one attempt per request: the caller schedules retries.
 * Without `record`, no exchange records are built (nobody would read them).
 */
export function httpDelivererFactory(
  destination: PreparedDestination,
  pipeline: PipelineDefinition,
  { singleAttempt = false, record = true }: { singleAttempt?: boolean; record?: boolean } = {},
): EngineDeliverer {
  const delivery = singleAttempt
    ? { ...destination.delivery, retry: { ...destination.delivery.retry, maxAttempts: 1 } }
    : destination.delivery
  return createDeliverer({
    transport: createUndiciTransport({
      timeouts: delivery.timeouts,
      connections: delivery.concurrency,
      egress: pipeline.egress,
      label: destination.label,
    }),
    options: delivery,
    label: destination.label,
    redactor: destination.redactor,
    record,
  })
}
