import type { Static, TSchema } from 'typebox'
import { PatchbayError } from '../errors/patchbay-error.ts'
import type { SyncBatch, SyncContext } from '../extract/sync.ts'
import type { InboundRequest } from '../http/http-request.ts'
import { brandPlugin } from './_define.ts'
import type { MaybePromise, PluginBase, PluginContext } from './manifest.ts'

/** What a source makes of a request: events (validated by the runtime) and an optional reply. */
export interface SourceResult {
  /** Raw events; the runtime validates and normalises them with @patchbay/protocol. */
  events: unknown[]
  /** The reply to send to the caller; the gateway answers 200 `{ ok: true }` without one. */
  response?: { status: number; headers?: Record<string, string>; body?: unknown }
}

export interface SourceDefinition<C extends TSchema> extends PluginBase<C> {
  /**
   * Turns an inbound request into events. Throw InvalidEventError for a body it cannot
   * read (the caller gets a 400 with the message).
   */
  parse(request: InboundRequest, ctx: PluginContext<Static<C>>): MaybePromise<SourceResult>
  /**
   * Optional, for line-oriented sources (logs): turns a stream of lines (a file, stdin) into
   * batches of raw events. `patchbay run --source <id> --input FILE` uses it. `origin`
   * names where the lines come from (a file name, or `stdin`).
   */
  readLines?(
    lines: AsyncIterable<string>,
    ctx: PluginContext<Static<C>> & { origin: string },
  ): AsyncIterable<unknown[]>
  /**
   * Optional, for sources that pull (Singer taps, Airbyte sources): one sync from `ctx.state`
   * (the last checkpoint), as batches of events each with the state to save once they are
   * durable. Hosts run it with `runSync` (`patchbay sync`, the gateway's schedule).
   */
  sync?(ctx: PluginContext<Static<C>> & SyncContext): AsyncIterable<SyncBatch>
}

export type SourcePlugin<C extends TSchema = TSchema> = Readonly<SourceDefinition<C> & { kind: 'source' }>

/**
 * Defines a source: a parser from inbound HTTP requests to protocol events.
 *
 * @example
 * export default defineSource({
 *   name: '@acme/source-forms', version: '1.0.0', apiVersion: 1,
 *   config: Type.Object({}),
 *   parse: (request) => ({
 *     events: [{ type: 'track', event: 'Form Submitted', anonymousId: request.headers['x-visitor'], properties: request.body }],
 *   }),
 * })
 */
export function defineSource<const C extends TSchema>(definition: SourceDefinition<C>): SourcePlugin<C> {
  if (typeof definition.parse !== 'function') {
    throw new PatchbayError(
      'PB_PLUGIN_INVALID',
      `source ${definition.name} needs a parse(request, ctx) function`,
      {
        plugin: definition.name,
        field: '/parse',
      },
    )
  }
  return brandPlugin('source', definition) as unknown as SourcePlugin<C>
}
