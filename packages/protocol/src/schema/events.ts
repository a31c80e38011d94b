import Type, { type Static } from 'typebox'
import { DateTime, Dictionary, type Open } from './_open.ts'
import { ContextSchema, IntegrationsSchema } from './context.ts'

const Id = (description: string) => Type.String({ minLength: 1, description })

/** Fields every call shares (Segment common fields, plus RudderStack's extras). */
const common = {
  anonymousId: Type.Optional(Id('Identifier of a user before they are known.')),
  userId: Type.Optional(Id('Your identifier of the user.')),
  messageId: Type.Optional(Id('Unique identifier of the message, used for deduplication.')),
  context: Type.Optional(ContextSchema),
  integrations: Type.Optional(IntegrationsSchema),
  timestamp: Type.Optional(DateTime('When the call happened, corrected for clock skew.')),
  originalTimestamp: Type.Optional(DateTime("When the call happened, by the device's clock.")),
  sentAt: Type.Optional(DateTime("When the SDK sent the call, by the device's clock.")),
  receivedAt: Type.Optional(DateTime('When Patchbay received the call.')),
  version: Type.Optional(Type.Union([Type.Number(), Type.String()], { description: 'Spec version.' })),
  channel: Type.Optional(Type.String({ description: 'RudderStack: web, mobile, server, sources.' })),
  rudderId: Type.Optional(Type.String({ description: 'RudderStack: internal identity id.' })),
  request_ip: Type.Optional(Type.String({ description: 'RudderStack: IP the request came from.' })),
}

/** Builds one call's schema: its `type` literal, its own fields, and the common fields. */
function call<const T extends string, const P extends Parameters<typeof Type.Object>[0]>(
  type: T,
  fields: P,
  description: string,
) {
  return Type.Object(
    { type: Type.Literal(type), ...common, ...fields },
    { additionalProperties: true, title: `${type} event`, description },
  )
}

export const TrackEventSchema = call(
  'track',
  {
    event: Type.String({ minLength: 1, description: 'The action the user performed, e.g. Order Completed.' }),
    properties: Type.Optional(Dictionary('Details of the action.')),
  },
  'Records an action the user performed.',
)
export const IdentifyEventSchema = call(
  'identify',
  { traits: Type.Optional(Dictionary('What you know about the user: email, name, plan...')) },
  'Ties a user to their actions and records traits about them.',
)
export const PageEventSchema = call(
  'page',
  {
    name: Type.Optional(Type.String({ description: 'Name of the page.' })),
    category: Type.Optional(Type.String({ description: 'Category of the page.' })),
    properties: Type.Optional(Dictionary('Details of the page: url, path, title, referrer...')),
  },
  'Records a page view on a website.',
)
export const ScreenEventSchema = call(
  'screen',
  {
    name: Type.Optional(Type.String({ description: 'Name of the screen.' })),
    category: Type.Optional(Type.String({ description: 'Category of the screen.' })),
    properties: Type.Optional(Dictionary('Details of the screen.')),
  },
  'Records a screen view in a mobile app.',
)
export const GroupEventSchema = call(
  'group',
  {
    groupId: Type.String({ minLength: 1, description: 'Your identifier of the group (account, company).' }),
    traits: Type.Optional(Dictionary('What you know about the group: name, industry, employees...')),
  },
  'Associates a user with a group, such as a company or account.',
)
export const AliasEventSchema = call(
  'alias',
  {
    previousId: Type.String({ minLength: 1, description: 'The identity the user had before.' }),
  },
  'Merges two identities of one user: previousId becomes userId.',
)

/** Every call, discriminated by `type`. */
export const EventSchema = Type.Union(
  [
    TrackEventSchema,
    IdentifyEventSchema,
    PageEventSchema,
    ScreenEventSchema,
    GroupEventSchema,
    AliasEventSchema,
  ],
  { title: 'Patchbay event', description: 'One call of the event protocol.' },
)

/** The `type` of a call: track, identify, page, screen, group or alias. */
export const EventTypeSchema = Type.Union(
  [
    TrackEventSchema.properties.type,
    IdentifyEventSchema.properties.type,
    PageEventSchema.properties.type,
    ScreenEventSchema.properties.type,
    GroupEventSchema.properties.type,
    AliasEventSchema.properties.type,
  ],
  { description: 'The call type.' },
)

export type TrackEvent = Open<Static<typeof TrackEventSchema>>
export type IdentifyEvent = Open<Static<typeof IdentifyEventSchema>>
export type PageEvent = Open<Static<typeof PageEventSchema>>
export type ScreenEvent = Open<Static<typeof ScreenEventSchema>>
export type GroupEvent = Open<Static<typeof GroupEventSchema>>
export type AliasEvent = Open<Static<typeof AliasEventSchema>>
export type PatchbayEvent = Open<Static<typeof EventSchema>>
export type EventType = Static<typeof EventTypeSchema>

/** The schema of each call, by type. */
export const EVENT_SCHEMAS = {
  track: TrackEventSchema,
  identify: IdentifyEventSchema,
  page: PageEventSchema,
  screen: ScreenEventSchema,
  group: GroupEventSchema,
  alias: AliasEventSchema,
} as const satisfies Record<EventType, unknown>

/** The six call types, in spec order. */
export const EVENT_TYPES = Object.keys(EVENT_SCHEMAS) as readonly EventType[] as readonly [
  'track',
  'identify',
  'page',
  'screen',
  'group',
  'alias',
]

/** The event type named by `T`: `EventOfType<'track'>` is TrackEvent. */
export type EventOfType<T extends EventType> = Extract<PatchbayEvent, { type: T }>

/** True when `value` is one of the six call types. */
export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && Object.hasOwn(EVENT_SCHEMAS, value)
}
