import {
  defineDestination,
  defineSource,
  defineTransformation,
  InvalidEventError,
  Secret,
} from '@patchbay/core'
import Type from 'typebox'

/** A destination that keeps every rule, and broken variants that each break one. */
const base = {
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({
    url: Type.String({ default: 'https://hooks.example.com/in' }),
    token: Secret(Type.String()),
  }),
  examples: [{ url: 'https://hooks.example.com/in', token: 'tok_example_123' }],
  supports: ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const,
}

export const good = defineDestination({
  ...base,
  name: 'good-destination',
  transform: (event, { config }) => {
    if (event.type === 'alias') throw new InvalidEventError('alias is not mapped')
    return {
      method: 'POST',
      url: config.url,
      headers: { authorization: `Bearer ${config.token}` },
      body: event,
    }
  },
})

export const crashes = defineDestination({
  ...base,
  name: 'crashes',
  transform: (event, { config }) => {
    if (event.type === 'group')
      return (event as unknown as { traits: { name: { x: string } } }).traits.name.x.length as never
    return { method: 'POST', url: config.url, body: event }
  },
})

export const clock = defineDestination({
  ...base,
  name: 'clock',
  transform: (event, { config }) => ({
    method: 'POST',
    url: config.url,
    body: { ...event, sentAt: `${performance.now()}` },
  }),
})

export const fetches = defineDestination({
  ...base,
  name: 'fetches',
  transform: (event, { config }) => {
    fetch('https://api.example.com/lookup').catch(() => {})
    return { method: 'POST', url: config.url, body: event }
  },
})

export const relative = defineDestination({
  ...base,
  name: 'relative',
  transform: (event) => ({ method: 'POST', url: '/in', body: { at: new Date(0), event } }),
})

export const unmarked = defineDestination({
  ...base,
  name: 'unmarked',
  config: Type.Object({ url: Type.String(), apiKey: Type.String() }),
  examples: [{ url: 'https://hooks.example.com/in', apiKey: 'k' }],
  transform: (event, { config }) => ({ method: 'POST', url: config.url, body: event }),
})

export const leaks = defineDestination({
  ...base,
  name: 'leaks',
  transform: (event, { config }) => {
    console.log('debug: token', config.token)
    return { method: 'POST', url: config.url, body: event }
  },
})

/**
 * Issue 14 defect 2: the secret leaves in the form the scaffold's `--auth basic` builds, in an
 * error message printed to the console (where the runtime cannot redact it). The same error
 * thrown is redacted by the engine, so only the console line leaks.
 */
export const leaksBasicAuth = defineDestination({
  ...base,
  name: 'leaks-basic-auth',
  transform: (event, { config }) => {
    const error = new Error(`upstream refused Authorization: Basic ${btoa(`${config.token}:`)}`)
    if (event.type === 'group') console.error(error.message)
    return { method: 'POST', url: config.url, body: event }
  },
})

export const mutates = defineDestination({
  ...base,
  name: 'mutates',
  transform: (event, { config }) => {
    ;(event as Record<string, unknown>).mapped = true
    return { method: 'POST', url: config.url, body: event }
  },
})

export const mapsEveryAnswerToSuccess = defineDestination({
  ...base,
  name: 'ok-always',
  transform: (event, { config }) => ({ method: 'POST', url: config.url, body: event }),
  handleResponse: () => {
    throw new Error('cannot read the body')
  },
})

export const badExample = defineDestination({
  ...base,
  name: 'bad-example',
  examples: [{ url: 'https://hooks.example.com/in' } as never],
  transform: (event, { config }) => ({ method: 'POST', url: config.url, body: event }),
})

export const futureApi = { ...good, apiVersion: 9 }

export const goodSource = defineSource({
  name: 'good-source',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({}),
  examples: [{}],
  parse: (request) => {
    if (typeof request.body !== 'object' || request.body === null)
      throw new InvalidEventError('the body must be a JSON object')
    return {
      events: [
        {
          type: 'track',
          event: 'Form Sent',
          anonymousId: 'a1',
          properties: request.body as Record<string, unknown>,
        },
      ],
    }
  },
})

export const badSource = defineSource({
  name: 'bad-source',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({}),
  examples: [{}],
  parse: (request) => ({ events: [{ type: 'track', properties: (request.body as { x: unknown }).x }] }),
})

export const goodTransformation = defineTransformation({
  name: 'good-transformation',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({}),
  examples: [{}],
  transformEvent: (event) =>
    event.type === 'page'
      ? null
      : event.type === 'track'
        ? [event, { ...event, event: 'Copy' }]
        : { ...event },
})

export const mutatingTransformation = defineTransformation({
  name: 'mutating-transformation',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({}),
  examples: [{}],
  transformEvent: (event) => {
    ;(event as Record<string, unknown>).touched = true
    return event
  },
})

export const invalidOutput = defineTransformation({
  name: 'invalid-output',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({}),
  examples: [{}],
  transformEvent: (event) => ({ ...event, type: 'purchase' }) as never,
})

/** Versions of one destination, to check upgrade safety. */
const v = (version: string, config: Parameters<typeof defineDestination>[0]['config'], extra: object = {}) =>
  defineDestination({
    name: 'versioned',
    version,
    apiVersion: 1,
    config,
    supports: ['track'],
    transform: (event) => ({ method: 'POST', url: 'https://x.example', body: event }),
    ...extra,
  })
export const v1 = v('1.2.0', Type.Object({ url: Type.String() }), {
  examples: [{ url: 'https://a.example' }],
})
/** Adds an optional field: compatible. */
export const v1minor = v(
  '1.3.0',
  Type.Object({ url: Type.String(), timeoutMs: Type.Integer({ default: 1000 }) }),
)
/** Renames url to endpoint without a major bump: breaks every v1 config. */
export const v1breaking = v('1.4.0', Type.Object({ endpoint: Type.String() }))
/** The same rename as a major with a migration: fine. */
export const v2migrated = v('2.0.0', Type.Object({ endpoint: Type.String() }), {
  migrations: { 2: (c: { url: string }) => ({ endpoint: c.url }) },
})
/** A major without a migration. */
export const v2unmigrated = v('2.0.0', Type.Object({ endpoint: Type.String() }))
