import Type, { type Static } from 'typebox'

/** Config of the log source. */
export const LogSourceConfigSchema = Type.Object(
  {
    eventName: Type.String({
      minLength: 1,
      default: 'log_line',
      description: 'Track event name of each line.',
    }),
    anonymousId: Type.String({
      minLength: 1,
      default: 'log-source',
      description: 'anonymousId of every event (e.g. the host name the logs come from).',
    }),
    skipEmpty: Type.Boolean({ default: true, description: 'Skip empty and whitespace-only lines.' }),
    maxLineBytes: Type.Integer({
      minimum: 1,
      default: 65_536,
      description: 'Longer lines are cut to this many bytes and flagged `truncated: true`.',
    }),
    batchSize: Type.Integer({
      minimum: 1,
      default: 1000,
      description:
        'Events per batch that readLogFile and readLogStream yield (patchbay run batches by its --batch-size).',
    }),
  },
  { additionalProperties: false },
)
export type LogSourceConfig = Static<typeof LogSourceConfigSchema>
