import Type, { type Static } from 'typebox'
import { DateTime } from './_open.ts'
import { ContextSchema, IntegrationsSchema } from './context.ts'

/**
 * The batch envelope the SDKs send to `/v1/batch`. Its items are checked one by one by
 * `validateBatch`, so one bad event does not hide the others; here they are any objects.
 */
export const BatchEnvelopeSchema = Type.Object(
  {
    batch: Type.Array(Type.Record(Type.String(), Type.Unknown()), {
      description: 'The events: track, identify, page, screen, group or alias calls.',
    }),
    sentAt: Type.Optional(DateTime("When the SDK sent the batch, by the device's clock.")),
    context: Type.Optional(ContextSchema),
    integrations: Type.Optional(IntegrationsSchema),
    writeKey: Type.Optional(
      Type.String({ description: 'The source write key, when not sent as HTTP auth.' }),
    ),
  },
  { additionalProperties: true, title: 'Batch envelope', description: 'Many calls in one request.' },
)
export type BatchEnvelope = Static<typeof BatchEnvelopeSchema>
