import type { PatchbayEvent } from '@patchbay/protocol'
import type { Static, TSchema } from 'typebox'
import { PatchbayError } from '../errors/patchbay-error.ts'
import { brandPlugin } from './_define.ts'
import type { MaybePromise, PluginBase, PluginContext } from './manifest.ts'

/** An event, an array of events (fan-out), or null/undefined (drop). */
export type TransformOutput = PatchbayEvent | PatchbayEvent[] | null | undefined

export interface TransformationContext<Config> extends PluginContext<Config> {
  /** Ids of the pipeline step and source the events came through. */
  metadata: { sourceId?: string; stepId: string }
}

interface TransformationBase<C extends TSchema> extends PluginBase<C> {
  /** Releases resources (isolates, connections) when the pipeline closes. */
  close?(): MaybePromise<void>
}

/** Handles one event at a time; a throw fails that event only. */
export interface EventTransformationDefinition<C extends TSchema> extends TransformationBase<C> {
  transformEvent(event: PatchbayEvent, ctx: TransformationContext<Static<C>>): MaybePromise<TransformOutput>
  transformBatch?: never
}

/**
 * Handles a whole batch. Outputs are matched to inputs by `messageId`; inputs with no
 * output were dropped. A throw fails the whole batch.
 */
export interface BatchTransformationDefinition<C extends TSchema> extends TransformationBase<C> {
  transformBatch(
    events: PatchbayEvent[],
    ctx: TransformationContext<Static<C>>,
  ): MaybePromise<PatchbayEvent[]>
  transformEvent?: never
}

export type TransformationDefinition<C extends TSchema> =
  | EventTransformationDefinition<C>
  | BatchTransformationDefinition<C>

export type TransformationPlugin<C extends TSchema = TSchema> = Readonly<
  TransformationDefinition<C> & { kind: 'transformation' }
>

/**
 * Defines a transformation: reshape, enrich, filter or fan out events.
 * Return null to drop an event, an array to fan it out.
 *
 * @example
 * export default defineTransformation({
 *   name: '@acme/drop-bots', version: '1.0.0', apiVersion: 1,
 *   config: Type.Object({ pattern: Type.String({ default: 'bot|crawler' }) }),
 *   transformEvent: (event, { config }) =>
 *     new RegExp(config.pattern, 'i').test(event.context?.userAgent ?? '') ? null : event,
 * })
 */
export function defineTransformation<const C extends TSchema>(
  definition: TransformationDefinition<C>,
): TransformationPlugin<C> {
  const hasEvent = typeof definition.transformEvent === 'function'
  const hasBatch = typeof definition.transformBatch === 'function'
  if (hasEvent === hasBatch) {
    throw new PatchbayError(
      'PB_PLUGIN_INVALID',
      `transformation ${definition.name} must define exactly one of transformEvent or transformBatch`,
      { plugin: definition.name },
    )
  }
  return brandPlugin('transformation', definition) as unknown as TransformationPlugin<C>
}
