import { ConfigurationError } from '@patchbay/core'
import Type, { type Static } from 'typebox'
import { Value } from 'typebox/value'

const HOUR = 3_600_000

/** How the gateway runs: where it listens and keeps its data, and its limits. Every field has a default. */
export const GatewayOptionsSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', description: 'Interface to listen on (0.0.0.0 for all).' }),
    port: Type.Integer({ minimum: 0, maximum: 65_535, default: 8080, description: '0 picks a free port.' }),
    dataDir: Type.String({ default: './patchbay-data', description: 'Where the durable queue lives.' }),
    store: Type.Optional(
      Type.String({
        description:
          'A `postgres://user@host:port/database` URL: the queue lives in that PostgreSQL database, shared by every gateway node given the same URL. Default: SQLite in dataDir.',
      }),
    ),
    postgres: Type.Object(
      {
        poolSize: Type.Integer({ minimum: 1, default: 10, description: 'Connections per node.' }),
        leaseMs: Type.Integer({
          minimum: 100,
          default: 30_000,
          description:
            'How long a claimed job or event batch stays with its node without a heartbeat; after that another node takes it over.',
        }),
        statsMaxAgeMs: Type.Integer({
          minimum: 0,
          default: 1_000,
          description: 'How old the queue counts used for backpressure, /health and /metrics may be.',
        }),
      },
      { default: {} },
    ),
    limits: Type.Object(
      {
        eventBytes: Type.Integer({
          minimum: 1,
          default: 32 * 1024,
          description: 'Largest event (Segment: 32 KB).',
        }),
        batchBytes: Type.Integer({
          minimum: 1,
          default: 500 * 1024,
          description: 'Largest request body, after gunzip (Segment: 500 KB).',
        }),
        batchEvents: Type.Integer({
          minimum: 1,
          default: 10_000,
          description: 'Most events in one batch request (or one webhook call).',
        }),
        storageReserveBytes: Type.Integer({
          minimum: 0,
          default: 8 * 1024 * 1024,
          description:
            'Disk space held back in the data directory (patchbay.reserve): freed when the disk fills, so queued events are still delivered while new ones get 503.',
        }),
        depth: Type.Integer({
          minimum: 2,
          maximum: 1_000,
          default: 64,
          description:
            'Deepest nesting of arrays and objects in a request body, the batch envelope included; checked before the body is parsed.',
        }),
      },
      { default: {} },
    ),
    retry: Type.Object(
      {
        forMs: Type.Integer({
          minimum: 0,
          default: 24 * HOUR,
          description: 'How long a failing job is retried before it is aborted to the dead letter queue.',
        }),
        baseDelayMs: Type.Integer({
          minimum: 0,
          default: 1_000,
          description: 'Backoff base: attempt n waits up to base·2^(n-1).',
        }),
        maxDelayMs: Type.Integer({
          minimum: 0,
          default: 5 * 60_000,
          description: 'Cap on one backoff wait.',
        }),
      },
      { default: {} },
    ),
    backpressure: Type.Object(
      {
        maxQueued: Type.Integer({
          minimum: 1,
          default: 1_000_000,
          description: 'Answer 503 when pending events plus queued jobs pass this.',
        }),
        maxAgeMs: Type.Optional(
          Type.Integer({
            minimum: 0,
            description:
              'Answer 503 when the oldest queued item is older than this (0: no limit). Default: twice retry.forMs (48 h), so a job can wait out its whole retry window first.',
          }),
        ),
        retryAfterSeconds: Type.Integer({
          minimum: 1,
          default: 10,
          description: 'The Retry-After of those 503s.',
        }),
      },
      { default: {} },
    ),
    delivery: Type.Object(
      {
        claim: Type.Integer({ minimum: 1, default: 100, description: 'Jobs a worker claims at a time.' }),
        workers: Type.Integer({
          minimum: 1,
          default: 4,
          description: 'Claims in flight at once per destination.',
        }),
        pollMs: Type.Integer({
          minimum: 1,
          default: 200,
          description: 'How often an idle worker looks for due retries.',
        }),
      },
      { default: {} },
    ),
    regulations: Type.Object(
      {
        traits: Type.Array(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_-]{0,63}$' }), {
          default: ['email'],
          description:
            'Traits a regulation may name besides userId and anonymousId; ingest reads them from `traits` and `context.traits`.',
        }),
        refreshMs: Type.Integer({
          minimum: 10,
          default: 1_000,
          description:
            'How often a node reads the regulations other nodes made (PostgreSQL store): the longest a regulation made on another node takes to apply here.',
        }),
        deletionLeaseMs: Type.Integer({
          minimum: 100,
          default: 60_000,
          description:
            'How long a node holds a deletion job it started; after a crash another node (or the restart) takes it over.',
        }),
      },
      { default: {} },
    ),
    shutdownTimeoutMs: Type.Integer({
      minimum: 0,
      default: 10_000,
      description: 'How long a graceful shutdown waits for deliveries in flight.',
    }),
    adminToken: Type.Optional(
      Type.String({
        minLength: 16,
        description:
          'Bearer token for the /admin API (dead letters, stats) of a running gateway; without one it is off.',
      }),
    ),
    trustProxy: Type.Boolean({
      default: false,
      description: 'Take request_ip from X-Forwarded-For (only behind a proxy you run).',
    }),
    checkOnStart: Type.Union([Type.Literal('warn'), Type.Literal('fail'), Type.Literal('off')], {
      default: 'warn',
      description:
        "At start, run each destination's `check` hook: `warn` logs a failure and starts anyway (events queue until the config is fixed), `fail` refuses to start, `off` skips the checks.",
    }),
  },
  { additionalProperties: false },
)

/** Gateway options as given: every field optional. */
export type GatewayOptionsInput = DeepPartial<Static<typeof GatewayOptionsSchema>>
/** Gateway options with every default filled in. */
export type GatewayOptions = Static<typeof GatewayOptionsSchema>
type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] }

/** Gateway options with every default filled in, the age limit included. */
export type ResolvedGatewayOptions = GatewayOptions & {
  backpressure: GatewayOptions['backpressure'] & { maxAgeMs: number }
}

/** Fills the defaults and checks the values; a bad value is a ConfigurationError naming the option. */
export function resolveGatewayOptions(input: GatewayOptionsInput = {}): ResolvedGatewayOptions {
  const value = Value.Default(GatewayOptionsSchema, structuredClone(input)) as GatewayOptions
  if (!Value.Check(GatewayOptionsSchema, value)) {
    const [issue] = Value.Errors(GatewayOptionsSchema, value)
    const field = issue?.instancePath.slice(1).replaceAll('/', '.') || 'options'
    throw new ConfigurationError(`gateway option ${field}: ${issue?.message ?? 'invalid'}`, {
      code: 'PB_CONFIG_INVALID',
      field: issue?.instancePath ?? '',
      hint:
        field === 'adminToken' ? 'Use a token of at least 16 characters (PATCHBAY_ADMIN_TOKEN).' : undefined,
    })
  }
  const { backpressure } = value
  return {
    ...value,
    backpressure: { ...backpressure, maxAgeMs: backpressure.maxAgeMs ?? 2 * value.retry.forMs },
  }
}
