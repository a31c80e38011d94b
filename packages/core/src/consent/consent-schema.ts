import type { Static } from 'typebox'
import Type from 'typebox'

/**
 * Segment's consent on an event: `context.consent.categoryPreferences`, one boolean per
 * category (`{ "Analytics": true, "Advertising": false }`), as Segment's consent wrappers and
 * server SDKs send it. Category names are case-sensitive strings.
 */
export const SegmentConsentSchema = Type.Object(
  {
    categoryPreferences: Type.Record(Type.String({ minLength: 1 }), Type.Boolean(), {
      description: 'Category → whether the user consented to it.',
    }),
  },
  { description: "Segment's `context.consent`." },
)
export type SegmentConsent = Static<typeof SegmentConsentSchema>

const ConsentIds = Type.Array(Type.String({ minLength: 1 }), {
  description: "Consent ids (the consent manager's category or purpose ids, e.g. OneTrust's C0002).",
})

/**
 * RudderStack's consent on an event: `context.consentManagement`, as its SDKs send it
 * (`allowedConsentIds`, `deniedConsentIds`, `provider`: oneTrust, ketch, iubenda, custom...).
 * Consent ids are case-sensitive strings.
 */
export const RudderStackConsentSchema = Type.Object(
  {
    provider: Type.Optional(Type.String()),
    allowedConsentIds: Type.Optional(ConsentIds),
    deniedConsentIds: Type.Optional(ConsentIds),
    resolutionStrategy: Type.Optional(Type.String()),
  },
  { description: "RudderStack's `context.consentManagement`." },
)
export type RudderStackConsent = Static<typeof RudderStackConsentSchema>

/**
 * What a destination needs (`destinations[].consent` in the pipeline file): the categories,
 * and whether every one (`all`, the default, as Segment and RudderStack's "and") or at least
 * one (`any`, RudderStack's "or") must be consented to.
 */
export const ConsentRequirementSchema = Type.Object(
  {
    categories: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description:
        'Consent categories (Segment) or consent ids (RudderStack) this destination needs. Case-sensitive: "Analytics" is not "analytics".',
    }),
    match: Type.Optional(
      Type.Union([Type.Literal('all'), Type.Literal('any')], {
        description: '`all` (default): every category must be consented to; `any`: at least one.',
      }),
    ),
  },
  { additionalProperties: false },
)
export type ConsentRequirement = Static<typeof ConsentRequirementSchema>

/**
 * What the route stage does with an event that carries no (usable) consent information at a
 * destination with requirements: `allow` (the default) delivers it as if every category were
 * consented to; `deny` delivers it to no destination with requirements.
 */
export const ConsentWhenMissingSchema = Type.Union([Type.Literal('allow'), Type.Literal('deny')], {
  description:
    'Events without consent information at destinations with consent requirements: `allow` (default) delivers them, `deny` drops them.',
})
export type ConsentWhenMissing = Static<typeof ConsentWhenMissingSchema>

/** `consent:` on a source, or on the pipeline as the default of every source. */
export const ConsentPolicySchema = Type.Object(
  { whenMissing: ConsentWhenMissingSchema },
  { additionalProperties: false },
)
export type ConsentPolicy = Static<typeof ConsentPolicySchema>
