import { createDeliverer } from '../delivery/deliverer.ts'
import { createUndiciTransport } from '../delivery/undici-transport.ts'
import type { PipelineDefinition } from '../pipeline/pipeline-schema.ts'
import type { EngineDeliverer, PreparedDestination } from './_steps.ts'

/** The default deliverer of a destination: HTTP over undici, with the pipeline's egress policy. */
export function httpDelivererFactory(
  destination: PreparedDestination,
  pipeline: PipelineDefinition,
): EngineDeliverer {
  const { delivery } = destination
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
  })
}
