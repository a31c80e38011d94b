import Type, { type Static } from 'typebox'
import { Dictionary, OpenObject } from './_open.ts'

const StringOrNumber = Type.Union([Type.String(), Type.Number()])

/**
 * `context`: what the SDK knows about where the call came from. The sub-objects follow the
 * Segment spec (https://segment.com/docs/connections/spec/common/#context); every object is
 * open, so SDK-specific extras (e.g. RudderStack's `sessionId`, `screen.innerWidth`) are kept.
 */
export const ContextSchema = OpenObject(
  {
    active: Type.Boolean({ description: 'Whether the user is active (false for server-side imports).' }),
    app: OpenObject({
      name: Type.String(),
      version: Type.String(),
      build: StringOrNumber,
      namespace: Type.String(),
    }),
    campaign: OpenObject({
      name: Type.String(),
      source: Type.String(),
      medium: Type.String(),
      term: Type.String(),
      content: Type.String(),
    }),
    device: OpenObject({
      id: Type.String(),
      advertisingId: Type.String(),
      adTrackingEnabled: Type.Boolean(),
      manufacturer: Type.String(),
      model: Type.String(),
      name: Type.String(),
      type: Type.String(),
      token: Type.String(),
    }),
    ip: Type.String({ description: 'IP address of the user.' }),
    library: OpenObject({ name: Type.String(), version: Type.String() }),
    locale: Type.String({ description: 'Locale string, e.g. en-US.' }),
    location: OpenObject({
      city: Type.String(),
      country: Type.String(),
      latitude: Type.Number(),
      longitude: Type.Number(),
      region: Type.String(),
      speed: Type.Number(),
    }),
    network: OpenObject({
      bluetooth: Type.Boolean(),
      carrier: Type.String(),
      cellular: Type.Boolean(),
      wifi: Type.Boolean(),
    }),
    os: OpenObject({ name: Type.String(), version: Type.String() }),
    page: OpenObject({
      path: Type.String(),
      referrer: Type.String(),
      search: Type.String(),
      title: Type.String(),
      url: Type.String(),
    }),
    referrer: OpenObject({
      id: Type.String(),
      type: Type.String(),
      name: Type.String(),
      url: Type.String(),
      link: Type.String(),
    }),
    screen: OpenObject({ density: Type.Number(), height: Type.Number(), width: Type.Number() }),
    timezone: Type.String({ description: 'tz database name, e.g. Europe/Amsterdam.' }),
    traits: Dictionary('Traits of the user, for calls other than identify.'),
    userAgent: Type.String(),
    groupId: Type.String({ description: 'The account the call is made in, for B2B destinations.' }),
  },
  'What the SDK knows about where the call came from.',
)
export type EventContext = Static<typeof ContextSchema>

/**
 * `integrations`: which destinations get the event. `All` sets the default; a destination
 * name maps to `false` (skip), `true` (send) or an options object (send, with options).
 */
export const IntegrationsSchema = Type.Record(
  Type.String(),
  Type.Union([Type.Boolean(), Type.Object({}, { additionalProperties: true })]),
  { description: 'Per-destination routing: { All: true, Mixpanel: false }.' },
)
export type Integrations = Static<typeof IntegrationsSchema>
