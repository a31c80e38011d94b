import type { EventType } from '@patchbay/protocol'
import type { Static, TSchema } from 'typebox'
import { PatchbayError } from '../errors/patchbay-error.ts'
import type { UserIdentifier } from '../privacy/user-identifier.ts'
import { brandPlugin } from './_define.ts'
import type { BatchLimits, EventOf } from './define-destination.ts'
import type { MaybePromise, PluginBase, PluginContext } from './manifest.ts'

/** The first plugin API major with client destinations (`defineClientDestination`). */
export const CLIENT_DESTINATION_API_VERSION = 2

/** The plugin API that added `deleteUsers` (regulations), for client destinations as for HTTP ones. */
const DELETE_USERS_API_VERSION = 3

/**
 * What a client destination says of one event of a batch: `null` delivered, a PatchbayError
 * failed (its class says retryable or permanent: RetryableError, ThrottledError,
 * AbortedError, InvalidEventError ...), or `{ dropped }` with the reason it was skipped.
 */
export type ClientEventResult = null | PatchbayError | { dropped: string }

/** What every hook of a client destination gets: the config, logger, clock and ids. */
export interface ClientDestinationContext<Config> extends PluginContext<Config> {}

/** What `deliverBatch` gets besides its events: the client `open` returned. */
export interface ClientDeliveryContext<Config, Client> extends ClientDestinationContext<Config> {
  client: Client
}

export interface ClientDestinationDefinition<C extends TSchema, S extends readonly EventType[], Client>
  extends PluginBase<C> {
  /** Plugin API 2 or later: API 1 cores do not know client destinations. */
  apiVersion: number
  /** The event types this destination handles; the route stage fails the others. */
  supports: S
  /**
   * Opens the long-lived client (a connection pool, a database handle), once per destination
   * instance, before its first batch. Throw a RetryableError when the service is down (it is
   * opened again for the next batch) and a ConfigurationError when the config is wrong.
   */
  open(config: Static<C>, ctx: ClientDestinationContext<Static<C>>): MaybePromise<Client>
  /** Closes what `open` opened. Called once, when the pipeline closes. */
  close?(client: Client, ctx: ClientDestinationContext<Static<C>>): MaybePromise<void>
  /**
   * Delivers a batch and returns one result per event, in order. Events are frozen. A
   * thrown error fails every event of the batch: a PatchbayError keeps its family; anything
   * else goes through `classify`.
   */
  deliverBatch(
    events: Array<EventOf<S[number]>>,
    ctx: ClientDeliveryContext<Static<C>, Client>,
  ): MaybePromise<ClientEventResult[]>
  /**
   * Turns what the driver threw (from `open` or `deliverBatch`) into a PatchbayError: e.g.
   * connection refused → RetryableError, a permission error → AbortedError. Without it, an
   * error that is not a PatchbayError is retryable (like a network failure on the HTTP path).
   */
  classify?(error: unknown): PatchbayError
  /** Batch bounds, read from the config. Default 1,000 events / 5 MB. */
  batch?(config: Static<C>): BatchLimits
  /**
   * Optional, plugin API 3: deletes these users' data with the client `open` returned (a
   * regulation `suppress_with_delete`), e.g. their rows in every table. Unlike the HTTP
   * hook it does the work itself; it must be idempotent (the gateway runs it again after a
   * failure, possibly after part of it was done) and finish all or nothing where the
   * service allows. What it throws goes through `classify` (retryable or permanent, as for
   * a batch). `identifiers` are those the regulation names: `userId`, `anonymousId` or a
   * trait such as `email`. A plugin with this hook declares `apiVersion: 3`.
   *
   * @example
   * deleteUsers: async (identifiers, { client }) => {
   *   await client.query('DELETE FROM events WHERE user_id = ANY($1)', [identifiers.map((i) => i.value)])
   * }
   */
  deleteUsers?(
    identifiers: readonly UserIdentifier[],
    ctx: ClientDeliveryContext<Static<C>, Client>,
  ): MaybePromise<void>
}

export type ClientDestinationPlugin<
  C extends TSchema = TSchema,
  S extends readonly EventType[] = readonly EventType[],
  Client = unknown,
> = Readonly<ClientDestinationDefinition<C, S, Client> & { kind: 'destination'; transport: 'client' }>

/**
 * Defines a destination that delivers through a client it owns (a database, a queue, an
 * object store) instead of HTTP requests: `open` makes the client once, `deliverBatch`
 * writes a batch with it and answers per event, `close` releases it. Retries, backoff,
 * durable jobs, dead letters and per-user ordering are the runtime's, as for HTTP.
 *
 * @example
 * export default defineClientDestination({
 *   name: '@acme/destination-db', version: '1.0.0', apiVersion: 2,
 *   config: Type.Object({ url: Secret(Type.String()) }),
 *   supports: ['track'],
 *   open: (config) => connect(config.url),
 *   close: (client) => client.end(),
 *   deliverBatch: async (events, { client }) => {
 *     await client.insert(events)
 *     return events.map(() => null)
 *   },
 * })
 */
export function defineClientDestination<
  const C extends TSchema,
  const S extends readonly EventType[],
  Client,
>(definition: ClientDestinationDefinition<C, S, Client>): ClientDestinationPlugin<C, S, Client> {
  const fail = (field: string, message: string, hint?: string) => {
    throw new PatchbayError('PB_PLUGIN_INVALID', `destination ${definition.name} ${message}`, {
      plugin: definition.name,
      field,
      ...(hint ? { hint } : {}),
    })
  }
  if (!Array.isArray(definition.supports) || definition.supports.length === 0)
    fail('/supports', 'must list the event types it supports', "Add e.g. `supports: ['track', 'identify']`.")
  for (const hook of ['open', 'deliverBatch'] as const)
    if (typeof definition[hook] !== 'function') fail(`/${hook}`, `needs a ${hook} function`)
  if (typeof definition.apiVersion === 'number' && definition.apiVersion < CLIENT_DESTINATION_API_VERSION)
    fail(
      '/apiVersion',
      `delivers through a client, which needs plugin API ${CLIENT_DESTINATION_API_VERSION} or later; it declares ${definition.apiVersion}`,
      `Set \`apiVersion: ${CLIENT_DESTINATION_API_VERSION}\` here and in package.json "patchbay".`,
    )
  if (definition.deleteUsers !== undefined && typeof definition.deleteUsers !== 'function')
    fail('/deleteUsers', 'has deleteUsers that is not a function (identifiers, ctx) => Promise<void>')
  if (definition.deleteUsers !== undefined && definition.apiVersion < DELETE_USERS_API_VERSION)
    fail(
      '/apiVersion',
      `has deleteUsers, which needs plugin API ${DELETE_USERS_API_VERSION}, but declares apiVersion ${definition.apiVersion}`,
      `Declare \`apiVersion: ${DELETE_USERS_API_VERSION}\` (and "apiVersion": ${DELETE_USERS_API_VERSION} under "patchbay" in package.json): a core older than API ${DELETE_USERS_API_VERSION} then refuses the plugin instead of ignoring deletions.`,
    )
  return brandPlugin('destination', {
    ...definition,
    transport: 'client' as const,
  }) as unknown as ClientDestinationPlugin<C, S, Client>
}

/** True for a destination made by `defineClientDestination`. */
export function isClientDestination(plugin: unknown): plugin is ClientDestinationPlugin {
  return (
    typeof plugin === 'object' &&
    plugin !== null &&
    (plugin as { transport?: unknown }).transport === 'client' &&
    typeof (plugin as { deliverBatch?: unknown }).deliverBatch === 'function'
  )
}
