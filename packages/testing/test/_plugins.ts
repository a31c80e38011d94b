import {
  AbortedError,
  defineDestination,
  defineSource,
  defineTransformation,
  InvalidEventError,
  RetryableError,
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

// ---- Broken samples for issue 14's defects: each escaped a check the docs claimed. ----

const answer = (status: number, retry: boolean) =>
  retry ? new RetryableError(`status ${status}, try again`) : new AbortedError(`status ${status}, giving up`)

/** Defect 1: retries a 400 (a day of retrying a request that can never succeed). */
export const retries400 = defineDestination({
  ...base,
  name: 'retries-400',
  transform: (event, { config }) => ({ method: 'POST', url: config.url, body: event }),
  handleResponse: (response) => (response.status === 400 ? answer(400, true) : undefined),
})
/** Defect 1: gives up on a 503 (drops events during an outage). */
export const givesUpOn503 = defineDestination({
  ...base,
  name: 'gives-up-on-503',
  transform: (event, { config }) => ({ method: 'POST', url: config.url, body: event }),
  handleResponse: (response) => (response.status === 503 ? answer(503, false) : undefined),
})
/** Defect 1: marks every 5xx delivered and aborts a 429. */
export const swallows5xx = defineDestination({
  ...base,
  name: 'swallows-5xx',
  transform: (event, { config }) => ({ method: 'POST', url: config.url, body: event }),
  handleResponse: (response) =>
    response.status >= 500 ? 'delivered' : response.status === 429 ? answer(429, false) : undefined,
})
/** Defect 1, allowed: a 400 whose body lists failed records fails just those (a refinement). */
export const partial400 = defineDestination({
  ...base,
  name: 'partial-400',
  transform: (event, { config }) => ({ method: 'POST', url: config.url, body: event }),
  handleResponse: (response) =>
    response.status === 400 ? [new InvalidEventError('record 0 rejected')] : undefined,
})

/** Defect 3: deletes a field of its input, so the next destination got the event without it. */
export const deletesIp = defineDestination({
  ...base,
  name: 'deletes-ip',
  transform: (event, { config }) => {
    if (event.context) delete (event.context as Record<string, unknown>).ip
    return { method: 'POST', url: config.url, body: event }
  },
})

const batchBase = {
  ...base,
  supports: ['track', 'identify'] as const,
  batch: () => ({ maxEvents: 50 }),
  transform: (event: { userId?: string }, { config }: { config: { url: string } }) => {
    if (!event.userId) throw new InvalidEventError('needs a userId')
    return { method: 'POST' as const, url: config.url, body: event }
  },
}
/** Defect 4: sorts the batch in place (known users first), then plans by the new positions. */
export const sortsBatchInPlace = defineDestination({
  ...batchBase,
  name: 'sorts-batch-in-place',
  transformBatch: (events, { config }) => {
    events.sort((a, b) => Number(!a.userId) - Number(!b.userId))
    const known = events.flatMap((e, i) => (e.userId ? [i] : []))
    const anonymous = events.flatMap((e, i) => (e.userId ? [] : [i]))
    return [
      { request: { method: 'POST', url: config.url, body: known.map((i) => events[i]) }, events: known },
      { error: new InvalidEventError('needs a userId'), events: anonymous },
    ]
  },
})
/** Defect 4, truly broken: plans indices into a filtered copy, not into its input. */
export const indexesFilteredCopy = defineDestination({
  ...batchBase,
  name: 'indexes-filtered-copy',
  transformBatch: (events, { config }) => {
    const known = events.filter((e) => e.userId)
    const anonymous = events.filter((e) => !e.userId)
    return [
      { request: { method: 'POST', url: config.url, body: known }, events: known.map((_, i) => i) },
      { error: new InvalidEventError('needs a userId'), events: anonymous.map((_, i) => i) },
    ]
  },
})

/** Defect 5: credentials named writeKey, accessToken, clientSecret, left unmarked. */
export const credentialNames = defineDestination({
  ...base,
  name: 'credential-names',
  config: Type.Object({
    url: Type.String(),
    writeKey: Type.String(),
    accessToken: Type.Optional(Type.String()),
    client_secret: Type.Optional(Type.String()),
    auth: Type.Object({ signingKey: Type.String(), password: Type.String() }),
    // Not credentials: these must not be flagged.
    partitionKey: Type.Optional(Type.String()),
    tokenUrl: Type.Optional(Type.String()),
    apiKeyId: Type.Optional(Type.String()),
  }),
  examples: [
    { url: 'https://hooks.example.com/in', writeKey: 'w', auth: { signingKey: 's', password: 'p' } },
  ],
  transform: (event, { config }) => ({ method: 'POST', url: config.url, body: event }),
})

/** A transformation whose close() leaves it broken for the next pipeline. */
let closedForGood = false
export const brokenByClose = defineTransformation({
  name: 'broken-by-close',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({}),
  examples: [{}],
  transformEvent: (event) => {
    if (closedForGood) throw new Error('the connection pool is closed')
    return event
  },
  close: () => {
    closedForGood = true
  },
})

/** Broken samples for data loss on upgrade (Airbyte's rule): each still parses every old config. */
export const withRegion = v(
  '1.2.0',
  Type.Object({
    url: Type.String(),
    token: Type.Optional(Secret(Type.String())),
    region: Type.Union([Type.Literal('us'), Type.Literal('eu')], { default: 'us' }),
    timeoutMs: Type.Number({ default: 1000 }),
  }),
  { examples: [{ url: 'https://a.example', token: 't', region: 'eu' }] },
)
/** Renames url to endpoint with a default: v1 configs parse, their url is silently ignored. */
export const renamedWithDefault = v(
  '1.3.0',
  Type.Object({
    endpoint: Type.String({ default: 'https://api.example' }),
    token: Type.Optional(Secret(Type.String())),
    region: Type.Union([Type.Literal('us'), Type.Literal('eu')], { default: 'us' }),
    timeoutMs: Type.Number({ default: 1000 }),
  }),
)
/** Drops the 'eu' region and makes timeoutMs an integer with a bound. */
export const narrowed = v(
  '1.3.0',
  Type.Object({
    url: Type.String(),
    token: Type.Optional(Secret(Type.String())),
    region: Type.Union([Type.Literal('us')], { default: 'us' }),
    timeoutMs: Type.Integer({ default: 1000, maximum: 500 }),
  }),
)
/** A major whose migration forgets the token. */
export const migrationDropsToken = v(
  '2.0.0',
  Type.Object({
    endpoint: Type.String(),
    token: Type.Optional(Secret(Type.String())),
    region: Type.String({ default: 'us' }),
  }),
  {
    migrations: {
      2: (c: { url: string; region?: string }) => ({ endpoint: c.url, region: c.region ?? 'us' }),
    },
  },
)
/** The same major with a migration that carries everything over. */
export const migrationKeepsAll = v(
  '2.0.0',
  Type.Object({
    endpoint: Type.String(),
    auth: Type.Optional(Type.Object({ token: Secret(Type.String()) })),
    region: Type.String({ default: 'us' }),
  }),
  {
    migrations: {
      2: (c: { url: string; token?: string; region?: string }) => ({
        endpoint: c.url,
        ...(c.token ? { auth: { token: c.token } } : {}),
        region: c.region ?? 'us',
      }),
    },
  },
)

// ---- Leaks through kinds and channels other than a destination's console.log ----

/** A signature-checking source that names the expected secret when the signature is wrong. */
export const leakySource = defineSource({
  name: 'leaky-source',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({ signingSecret: Secret(Type.String()) }),
  examples: [{ signingSecret: 'whsec_example' }],
  parse: (request, { config }) => {
    if (request.headers['x-signature'] !== config.signingSecret)
      throw new InvalidEventError(`bad signature: expected ${config.signingSecret}`)
    return { events: [] }
  },
})
/** A transformation that debugs its config to stderr. */
export const stderrTransformation = defineTransformation({
  name: 'stderr-transformation',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({ apiToken: Secret(Type.String()) }),
  examples: [{ apiToken: 'tok_example' }],
  transformEvent: (event, { config }) => {
    process.stderr.write(`enriching with ${config.apiToken}\n`)
    return event
  },
})
/** A destination that writes its auth header to stdout. */
export const stdoutDestination = defineDestination({
  ...base,
  name: 'stdout-destination',
  transform: (event, { config }) => {
    process.stdout.write(`POST ${config.url} Bearer ${config.token}\n`)
    return { method: 'POST', url: config.url, body: event }
  },
})

// ---- Goldens and determinism ----

/** Numbers its requests with module state: the same input gives different output. */
let sequence = 0
export const counts = defineDestination({
  ...base,
  name: 'counts',
  transform: (event, { config }) => ({ method: 'POST', url: config.url, body: { seq: sequence++, event } }),
})
/** Stamps requests with `new Date()` without declaring it. */
export const readsClock = defineDestination({
  ...base,
  name: 'reads-clock',
  transform: (event, { config }) => ({
    method: 'POST',
    url: config.url,
    body: { sentAt: new Date().toISOString(), id: crypto.randomUUID(), event },
  }),
})
/** The same, declared: goldens run with a seeded clock and ids. */
export const declaresClock = defineDestination({
  ...base,
  name: 'declares-clock',
  uses: ['clock', 'random'],
  transform: readsClock.transform,
})
/** Takes time and ids from the context: always fine. */
export const usesContextClock = defineDestination({
  ...base,
  name: 'uses-context-clock',
  transform: (event, { config, now, randomId }) => ({
    method: 'POST',
    url: config.url,
    body: { sentAt: now().toISOString(), id: randomId(), event },
  }),
})

// ---- Broken in ways the six fixed samples do not show ----

const isSample = (event: { messageId?: string }) => event.messageId?.startsWith('contract-') === true
/** Maps the fixed samples properly, and builds relative URLs for anything else. */
export const onlySamples = defineDestination({
  ...base,
  name: 'only-samples',
  transform: (event, { config }) => ({
    method: 'POST',
    url: isSample(event) ? config.url : 'hooks.example.com/in',
    body: event,
  }),
})
/** Reads context.ip without checking context is there (the samples all have it). */
export const assumesContext = defineDestination({
  ...base,
  name: 'assumes-context',
  transform: (event, { config }) => ({
    method: 'POST',
    url: config.url,
    body: { ...event, network: (event.context as { ip: string }).ip.split('.')[0] },
  }),
})
/** Drops the fixed samples (passing 6/6) and returns broken events for everything else. */
export const dropsSamples = defineTransformation({
  name: 'drops-samples',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({}),
  examples: [{}],
  transformEvent: (event) => (isSample(event) ? null : ({ ...event, type: 'identified' } as never)),
})

/** A connection check that prints the credential it tries. */
export const leakyCheck = defineDestination({
  ...base,
  name: 'leaky-check',
  transform: (event, { config }) => ({ method: 'POST', url: config.url, body: event }),
  check: async ({ config }) => {
    console.error(`checking ${config.url} with ${config.token}`)
    const response = await fetch(`${config.url}/me`, { headers: { authorization: `Bearer ${config.token}` } })
    if (!response.ok) throw new Error(`the token was refused: ${await response.text()}`)
  },
})
/** The same check, keeping its secret: the echoed request in its error is redacted by the host. */
export const quietCheck = defineDestination({
  ...base,
  name: 'quiet-check',
  transform: (event, { config }) => ({ method: 'POST', url: config.url, body: event }),
  check: async ({ config }) => {
    const response = await fetch(`${config.url}/me`, { headers: { authorization: `Bearer ${config.token}` } })
    if (!response.ok) throw new InvalidEventError(`the token was refused: ${await response.text()}`)
  },
})

/** A config schema that is not valid JSON Schema (a pattern that is no regular expression). */
export const badSchema = defineDestination({
  ...base,
  name: 'bad-schema',
  config: Type.Object({ url: Type.String({ pattern: '(' }) }),
  examples: [],
  transform: (event) => ({ method: 'POST', url: 'https://hooks.example.com/in', body: event }),
})
