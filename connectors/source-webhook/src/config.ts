import Type, { type Static } from 'typebox'

/** Config of the webhook source. Paths read the JSON body: `data.user.id`, `items[0].sku`. */
export const WebhookSourceConfigSchema = Type.Object(
  {
    eventName: Type.String({
      minLength: 1,
      default: 'webhook_source_event',
      description: 'Track event name when neither eventNamePath nor eventNameHeader gives one.',
    }),
    eventNamePath: Type.Optional(
      Type.String({ minLength: 1, description: 'JSON path of the event name in the body.' }),
    ),
    eventNameHeader: Type.Optional(
      Type.String({ minLength: 1, description: 'Header holding the event name.' }),
    ),
    userIdPath: Type.Optional(
      Type.String({ minLength: 1, description: 'JSON path of the userId in the body.' }),
    ),
    anonymousIdPath: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'JSON path of the anonymousId; without one, an id is generated.',
      }),
    ),
    splitArray: Type.Boolean({
      default: false,
      description: 'Make one event per element when the body is a JSON array.',
    }),
    includeRequest: Type.Boolean({
      default: false,
      description: 'Copy method, URL, headers (never credentials or cookies) and query into context.request.',
    }),
    maxBodyBytes: Type.Integer({
      minimum: 1,
      default: 512 * 1024,
      description: 'Largest body accepted, in bytes.',
    }),
  },
  { additionalProperties: false },
)
export type WebhookSourceConfig = Static<typeof WebhookSourceConfigSchema>
