import { Secret, StreamMappingsSchema } from '@patchbay/core'
import Type, { type Static } from 'typebox'

/** Config of the Airbyte source: the connector to run, its configured catalog, and the mappings. */
export const AirbyteSourceConfigSchema = Type.Object(
  {
    command: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'The Airbyte source executable (on PATH, or a path relative to the pipeline file), e.g. `python3` with `args: [main.py]`, or `docker` with `args: [run, --rm, -i, ...]`. Not needed when its output comes on stdin.',
      }),
    ),
    args: Type.Array(Type.String(), {
      default: [],
      description: 'Arguments before `read --config F --catalog F [--state F]`.',
    }),
    sourceConfig: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'The source config (its `spec`), written to a private temporary file: `--config`.',
      }),
    ),
    secrets: Type.Optional(
      Type.Record(Type.String(), Secret(Type.String()), {
        description:
          'Source config fields holding credentials: merged into `sourceConfig`, redacted from every log line and error.',
      }),
    ),
    catalog: Type.Union([Type.String({ minLength: 1 }), Type.Record(Type.String(), Type.Unknown())], {
      description:
        'The configured catalog (file path relative to the pipeline file, or the object): `--catalog`. Its streams all need a mapping; their `json_schema` checks records and `primary_key` makes messageIds.',
    }),
    streams: StreamMappingsSchema,
    validateRecords: Type.Boolean({
      default: true,
      description: "Check each RECORD against its stream's json_schema in the catalog.",
    }),
    batchSize: Type.Integer({ minimum: 1, default: 1000, description: 'Events per batch.' }),
    timeoutSeconds: Type.Number({
      exclusiveMinimum: 0,
      default: 3600,
      description: 'Kill the source (and its children) after this long.',
    }),
    idleTimeoutSeconds: Type.Number({
      exclusiveMinimum: 0,
      default: 300,
      description: 'Kill the source when it prints nothing for this long.',
    }),
    env: Type.Optional(
      Type.Record(Type.String(), Secret(Type.String()), {
        description: 'Extra environment variables for the source (redacted like secrets).',
      }),
    ),
  },
  { additionalProperties: false },
)
export type AirbyteSourceConfig = Static<typeof AirbyteSourceConfigSchema>
