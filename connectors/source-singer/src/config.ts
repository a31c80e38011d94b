import { Secret, StreamMappingsSchema } from '@patchbay/core'
import Type, { type Static } from 'typebox'

/** Config of the Singer source: the tap to run, its files, and how each stream becomes events. */
export const SingerSourceConfigSchema = Type.Object(
  {
    command: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'The tap executable (on PATH, or a path relative to the pipeline file). Not needed when the tap output comes on stdin.',
      }),
    ),
    args: Type.Array(Type.String(), { default: [], description: 'Arguments before the Singer flags.' }),
    tapConfig: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'The tap config, written to a private temporary file and passed as `--config`.',
      }),
    ),
    secrets: Type.Optional(
      Type.Record(Type.String(), Secret(Type.String()), {
        description:
          'Tap config fields holding credentials: merged into `tapConfig`, and redacted from every log line and error.',
      }),
    ),
    catalog: Type.Optional(
      Type.Union([Type.String({ minLength: 1 }), Type.Record(Type.String(), Type.Unknown())], {
        description:
          'The catalog: a file path (relative to the pipeline file) or the catalog itself; passed as `--catalog`. Its selected streams must all be mapped.',
      }),
    ),
    catalogFlag: Type.Union([Type.Literal('--catalog'), Type.Literal('--properties')], {
      default: '--catalog',
      description: 'Older taps take the catalog as `--properties`.',
    }),
    streams: StreamMappingsSchema,
    validateRecords: Type.Boolean({
      default: true,
      description: 'Check each RECORD against the SCHEMA its tap declared for the stream.',
    }),
    batchSize: Type.Integer({ minimum: 1, default: 1000, description: 'Events per batch.' }),
    timeoutSeconds: Type.Number({
      exclusiveMinimum: 0,
      default: 3600,
      description: 'Kill the tap (and its children) after this long.',
    }),
    idleTimeoutSeconds: Type.Number({
      exclusiveMinimum: 0,
      default: 300,
      description: 'Kill the tap when it prints nothing for this long.',
    }),
    env: Type.Optional(
      Type.Record(Type.String(), Secret(Type.String()), {
        description: 'Extra environment variables for the tap (redacted like secrets).',
      }),
    ),
  },
  { additionalProperties: false },
)
export type SingerSourceConfig = Static<typeof SingerSourceConfigSchema>
