import { Secret } from '@patchbay/core'
import Type, { type Static } from 'typebox'

export const PostgresConfigSchema = Type.Object(
  {
    connectionString: Secret(
      Type.String({
        minLength: 1,
        description: 'postgres://user:password@host:5432/database (redacted everywhere it could appear).',
      }),
    ),
    schema: Type.Optional(
      Type.String({
        minLength: 1,
        default: 'public',
        description: 'The schema the tables go in (created if missing).',
      }),
    ),
    maxEventsPerLoad: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100_000,
        default: 5_000,
        description: 'Events loaded in one transaction.',
      }),
    ),
    poolSize: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100, default: 4, description: 'Connections in the pool.' }),
    ),
  },
  { additionalProperties: false },
)
export type PostgresConfig = Static<typeof PostgresConfigSchema>
