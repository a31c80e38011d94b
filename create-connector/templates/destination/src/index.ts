import {
  // #if batching
  type BatchPlan,
  // #endif
  defineDestination,
  type EventOf,
  type HttpRequest,
  InvalidEventError,
  // #if auth!=none
  Secret,
  // #endif
} from '@patchbay/core'
import Type, { type Static } from 'typebox'
import pkg from '../package.json' with { type: 'json' }

/** What users write under `config:` in a pipeline. The `Config` type is derived from it. */
const config = Type.Object({
  endpoint: Type.String({
    pattern: '^https?://[^/]+(/.*[^/])?$',
    default: 'https://api.example.com/v1',
    description: 'Base URL of the API, without a trailing slash',
  }),
  // #if auth=api-key
  apiKey: Secret(Type.String({ minLength: 1, description: 'API key, sent in the x-api-key header' })),
  // #endif
  // #if auth=bearer
  token: Secret(Type.String({ minLength: 1, description: 'Access token, sent as a Bearer token' })),
  // #endif
  // #if auth=basic
  username: Type.String({ minLength: 1, description: 'Basic auth user name' }),
  password: Secret(Type.String({ minLength: 1, description: 'Basic auth password' })),
  // #endif
})

type Config = Static<typeof config>

/** The headers every request carries. */
function authHeaders(config: Config): Record<string, string> {
  // #if auth=none
  void config
  return {}
  // #endif
  // #if auth=api-key
  return { 'x-api-key': config.apiKey }
  // #endif
  // #if auth=bearer
  return { authorization: `Bearer ${config.token}` }
  // #endif
  // #if auth=basic
  return { authorization: `Basic ${Buffer.from(`${config.username}:${config.password}`).toString('base64')}` }
  // #endif
}

/** A track event as the API's `/events` endpoint wants it. */
function toApiEvent(event: EventOf<'track'>) {
  return {
    id: event.messageId,
    name: event.event,
    user: event.userId ?? event.anonymousId,
    properties: event.properties ?? {},
    timestamp: event.timestamp,
  }
}

/** identify → PUT {endpoint}/users/{userId}, with the traits. */
function upsertUser(event: EventOf<'identify'>, config: Config): HttpRequest {
  if (!event.userId) throw new InvalidEventError('identify needs a userId', { field: '/userId' })
  return {
    method: 'PUT',
    url: `${config.endpoint}/users/${encodeURIComponent(event.userId)}`,
    headers: authHeaders(config),
    body: { traits: event.traits ?? {} },
  }
}

/** {{description}} */
export default defineDestination({
  name: pkg.name,
  version: pkg.version,
  // 3: the deleteUsers hook below (regulations, docs/privacy.md).
  apiVersion: 3,
  title: '{{title}}',
  description: pkg.description,
  config,
  examples: [
    {
      endpoint: 'https://api.example.com/v1',
      // #if auth=api-key
      apiKey: 'key_example_123',
      // #endif
      // #if auth=bearer
      token: 'tok_example_123',
      // #endif
      // #if auth=basic
      username: 'patchbay',
      password: 'pass_example_123',
      // #endif
    },
  ],
  supports: ['track', 'identify'],
  /** track → POST {endpoint}/events; identify → PUT {endpoint}/users/{userId}. */
  transform: (event, { config }) => {
    if (event.type === 'identify') return upsertUser(event, config)
    return {
      method: 'POST',
      url: `${config.endpoint}/events`,
      headers: authHeaders(config),
      body: toApiEvent(event),
    }
  },
  /**
   * A regulation `suppress_with_delete` → POST {endpoint}/users/delete with the user ids.
   * Pure like transform: the gateway sends it, retries it and records its status.
   * Return null when the API has nothing to delete for these identifiers.
   */
  deleteUsers: (identifiers, { config }) => {
    const userIds = identifiers.filter((i) => i.type === 'userId').map((i) => i.value)
    if (userIds.length === 0) return null
    return {
      method: 'POST',
      url: `${config.endpoint}/users/delete`,
      headers: authHeaders(config),
      body: { userIds },
    }
  },
  // #if batching
  /** Up to 100 track events go in one POST {endpoint}/events/bulk; identifies go one by one. */
  batch: () => ({ maxEvents: 100, maxBytes: 500_000 }),
  transformBatch: (events, { config }) => {
    const tracks: number[] = []
    const plan = events.flatMap((event, index): BatchPlan => {
      if (event.type === 'track') {
        tracks.push(index)
        return []
      }
      try {
        return [{ request: upsertUser(event, config), events: [index] }]
      } catch (error) {
        if (!(error instanceof InvalidEventError)) throw error
        return [{ error, events: [index] }]
      }
    })
    if (tracks.length === 0) return plan
    const body = { events: tracks.map((index) => toApiEvent(events[index] as EventOf<'track'>)) }
    const request: HttpRequest = {
      method: 'POST',
      url: `${config.endpoint}/events/bulk`,
      headers: authHeaders(config),
      body,
    }
    return [...plan, { request, events: tracks }]
  },
  // #endif
})
