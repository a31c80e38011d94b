import type { EventType, PatchbayEvent } from '@patchbay/protocol'
import type { Static, TSchema } from 'typebox'
import { PatchbayError } from '../errors/patchbay-error.ts'
import type { HttpRequest, HttpResponse } from '../http/http-request.ts'
import type { UserIdentifier } from '../privacy/user-identifier.ts'
import { brandPlugin } from './_define.ts'
import type { MaybePromise, PluginBase, PluginContext } from './manifest.ts'

/** The event type(s) named by `T`, e.g. `EventOf<'track'>` is a TrackEvent. */
export type EventOf<T extends EventType> = Extract<PatchbayEvent, { type: T }>

/** One request of a batch plan, and the indices of the input events it carries. */
export interface PlannedRequest {
  request: HttpRequest
  events: number[]
}

/** Events of a batch that could not be mapped, and why. */
export interface PlannedFailure {
  error: PatchbayError
  events: number[]
}

/**
 * What `transformBatch` returns: requests, each carrying some input events by index, and
 * failures. An input index in neither list is dropped by the destination.
 */
export type BatchPlan = Array<PlannedRequest | PlannedFailure>

/**
 * What `handleResponse` decides for an HTTP exchange that was not a transport failure:
 * `undefined` accepts the plain status policy; a PatchbayError fails every event of the
 * request; an array gives a result per event of the request (partial batch failures).
 */
export type ResponseVerdict = undefined | 'delivered' | PatchbayError | Array<PatchbayError | null>

/** Upper bounds for one `transformBatch` call. */
export interface BatchLimits {
  maxEvents: number
  /** Serialised size of the events in one chunk (default 500 KB). */
  maxBytes?: number
}

export interface DestinationContext<Config> extends PluginContext<Config> {}

export interface DestinationDefinition<C extends TSchema, S extends readonly EventType[]>
  extends PluginBase<C> {
  /** The event types this destination handles; others fail with UnsupportedEventError. */
  supports: S
  /**
   * Maps one event to the request(s) to send, or null to drop it. Pure: no I/O, so it can
   * be tested exactly. Throw InvalidEventError for events it cannot map.
   */
  transform(
    event: EventOf<S[number]>,
    ctx: DestinationContext<Static<C>>,
  ): MaybePromise<HttpRequest | HttpRequest[] | null>
  /** Optional: maps many events to fewer requests, with a result per event. */
  transformBatch?(
    events: Array<EventOf<S[number]>>,
    ctx: DestinationContext<Static<C>>,
  ): MaybePromise<BatchPlan>
  /**
   * How the engine chunks events for `transformBatch`, read from the config: return the
   * limits, or undefined to send one event at a time (e.g. when a `batch.enabled` setting
   * is off). Without it, a destination with `transformBatch` batches 100 events / 500 KB.
   */
  batch?(config: Static<C>): BatchLimits | undefined
  /**
   * Optional, plugin API 3: the request(s) that delete these users' data at the destination
   * (a regulation `suppress_with_delete`; Segment's `onDelete`). Pure, like `transform`: core
   * sends them with the destination's delivery policy and egress rules, and the gateway runs
   * them as durable jobs (retries, a final `failed` status with the reason). Return null when
   * there is nothing to delete for these identifiers. `identifiers` are the ones the
   * regulation names: `userId`, `anonymousId` or a trait such as `email`. A plugin with this
   * hook must declare `apiVersion: 3`, so a core that cannot run it refuses the plugin rather
   * than silently not deleting.
   *
   * @example
   * deleteUsers: (identifiers, { config }) => ({
   *   method: 'POST', url: `${config.baseUrl}/gdpr/delete`,
   *   body: { userIds: identifiers.filter((i) => i.type === 'userId').map((i) => i.value) },
   * })
   */
  deleteUsers?(
    identifiers: readonly UserIdentifier[],
    ctx: DestinationContext<Static<C>>,
  ): MaybePromise<HttpRequest | HttpRequest[] | null>
  /** For APIs whose success is not the HTTP status (200 with an error body, partial batches). */
  handleResponse?(
    response: HttpResponse,
    ctx: DestinationContext<Static<C>> & { request: HttpRequest; events: number },
  ): ResponseVerdict
}

export type DestinationPlugin<
  C extends TSchema = TSchema,
  S extends readonly EventType[] = readonly EventType[],
> = Readonly<DestinationDefinition<C, S> & { kind: 'destination' }>

/**
 * Defines a destination. Types flow from the config schema and `supports`: `transform`
 * receives a typed config and only the event types listed.
 *
 * @example
 * export default defineDestination({
 *   name: '@acme/destination-crm', version: '1.0.0', apiVersion: 1,
 *   config: Type.Object({ apiKey: Secret(Type.String()) }),
 *   supports: ['identify'],
 *   transform: (event, { config }) => ({
 *     method: 'POST', url: 'https://crm.example/contacts',
 *     headers: { authorization: `Bearer ${config.apiKey}` },
 *     body: { id: event.userId, traits: event.traits },
 *   }),
 * })
 */
export function defineDestination<const C extends TSchema, const S extends readonly EventType[]>(
  definition: DestinationDefinition<C, S>,
): DestinationPlugin<C, S> {
  if (!Array.isArray(definition.supports) || definition.supports.length === 0) {
    throw new PatchbayError(
      'PB_PLUGIN_INVALID',
      `destination ${definition.name} must list the event types it supports`,
      {
        plugin: definition.name,
        field: '/supports',
        hint: "Add e.g. `supports: ['track', 'identify']`.",
      },
    )
  }
  if (typeof definition.transform !== 'function') {
    throw new PatchbayError(
      'PB_PLUGIN_INVALID',
      `destination ${definition.name} needs a transform(event, ctx) function`,
      {
        plugin: definition.name,
        field: '/transform',
      },
    )
  }
  if (
    definition.deleteUsers !== undefined &&
    (typeof definition.deleteUsers !== 'function' || definition.apiVersion < 3)
  ) {
    throw new PatchbayError(
      'PB_PLUGIN_INVALID',
      typeof definition.deleteUsers !== 'function'
        ? `destination ${definition.name}: deleteUsers must be a function (identifiers, ctx) => request(s) | null`
        : `destination ${definition.name} has deleteUsers, which needs plugin API 3, but declares apiVersion ${definition.apiVersion}`,
      {
        plugin: definition.name,
        field: typeof definition.deleteUsers !== 'function' ? '/deleteUsers' : '/apiVersion',
        hint: 'Declare `apiVersion: 3` (and `"apiVersion": 3` under `patchbay` in package.json): a core older than API 3 then refuses the plugin instead of ignoring deletions.',
      },
    )
  }
  return brandPlugin('destination', definition) as unknown as DestinationPlugin<C, S>
}
