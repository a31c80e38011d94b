import Type, { type Static } from 'typebox'

export const DuckdbConfigSchema = Type.Object(
  {
    path: Type.String({
      minLength: 1,
      description:
        'The DuckDB database file (created if missing), e.g. ./events.duckdb; `:memory:` for tests.',
    }),
    schema: Type.Optional(
      Type.String({
        minLength: 1,
        default: 'main',
        description: 'The schema the tables go in (created if missing).',
      }),
    ),
    maxEventsPerLoad: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100_000,
        default: 10_000,
        description: 'Events loaded in one transaction.',
      }),
    ),
  },
  { additionalProperties: false },
)
export type DuckdbConfig = Static<typeof DuckdbConfigSchema>
