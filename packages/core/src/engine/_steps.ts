import type { PatchbayEvent } from '@patchbay/protocol'
import type { ConsentRequirement } from '../consent/consent-schema.ts'
import type { Deliverer } from '../delivery/deliverer.ts'
import type { DeliveryOptions } from '../delivery/delivery-options.ts'
import type { DestinationStep, EventFilter } from '../pipeline/pipeline-schema.ts'
import type { DestinationPlugin } from '../plugin/define-destination.ts'
import type { PluginLogger } from '../plugin/manifest.ts'
import type { Redactor } from '../redaction/redact.ts'
import type { StepResult } from './user-code.ts'

export type { StepResult, UserCodeLoader } from './user-code.ts'

/** Internal shapes the engine works with once a pipeline is prepared. */

/** An event in flight, with the index of the input event it came from. */
export interface WorkItem {
  origin: number
  event: PatchbayEvent
  /**
   * The event's length as JSON text, when the caller knew it (`pipeline.deliver`'s `sizes`),
   * for batch byte bounds; absent, it is measured. Only items made for delivery carry one.
   */
  size?: number
}

/** A prepared transformation step: plugin or user code, behind one batch interface. */
export interface PreparedTransformation {
  id: string
  /** `transformations.<id>`, used in outcomes. */
  label: string
  /** `name@version` of the plugin, or the user code file. */
  source: string
  filter: EventFilter | undefined
  /** Runs a batch; returns one result per input event, same order. */
  run(events: PatchbayEvent[], metadata: { sourceId?: string }): Promise<StepResult[]>
  close(): Promise<void>
}

/** A prepared destination step with its parsed config and its own deliverer. */
export interface PreparedDestination {
  id: string
  label: string
  source: string
  step: DestinationStep
  plugin: DestinationPlugin
  config: unknown
  logger: PluginLogger
  /** Names the event's `integrations` object may use for this destination. */
  names: string[]
  /** The event types its plugin takes (the route stage fails the others). */
  supports: readonly string[]
  filter: EventFilter | undefined
  /** The consent it needs (`consent:` of the step). */
  consent: ConsentRequirement | undefined
  batching: { maxEvents: number; maxBytes: number } | undefined
  delivery: DeliveryOptions
  /** Replaces this destination's secret values in records, logs and errors. */
  redactor: Redactor
}

/** The part of a deliverer the engine uses (see delivery/deliverer.ts). */
export type EngineDeliverer = Pick<Deliverer, 'deliver' | 'close'>
