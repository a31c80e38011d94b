import Type, { type Static } from 'typebox'

const IdType = Type.String({
  pattern: '^[A-Za-z][\\w.-]*$',
  description: 'An identifier type: userId, anonymousId, email, deviceId, or an external id type.',
})

/** One event field read as an identifier of a given type. */
export const IdentityFieldSchema = Type.Object(
  {
    type: IdType,
    path: Type.String({
      pattern: '^[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*$',
      description: 'A dotted path in the event, e.g. `traits.email` or `context.device.id`.',
    }),
    lowercase: Type.Optional(
      Type.Boolean({ description: 'Compare values case-insensitively (e.g. emails). Default false.' }),
    ),
  },
  { additionalProperties: false },
)

/**
 * A pipeline's `identity:` block: which fields are identifiers, and the merge rules of the
 * identity graph (caps per type, priority, blocklist). @patchbay/identity reads it; core only
 * validates it, as it does the `sandbox:` block. See docs/identity.md.
 */
export const IdentitySettingsSchema = Type.Object(
  {
    fields: Type.Optional(
      Type.Array(IdentityFieldSchema, {
        description:
          'Identifier fields besides `userId` and `anonymousId` (always read). Default: traits.email and context.traits.email as `email` (lowercased), context.device.id as `deviceId`.',
      }),
    ),
    externalIds: Type.Optional(
      Type.Boolean({
        description: 'Read `context.externalIds[]`, each as an identifier of its own `type`. Default true.',
      }),
    ),
    caps: Type.Optional(
      Type.Record(IdType, Type.Integer({ minimum: 1 }), {
        description:
          'Most identifiers of a type one person may have; a merge that would exceed it is rejected. Default: userId 1, email 1, anonymousId 250; other types unlimited.',
      }),
    ),
    priority: Type.Optional(
      Type.Array(IdType, {
        description:
          'Identifier types from strongest to weakest: links between stronger identifiers are applied first, so they win a conflict. Default: userId, email, (unlisted types), deviceId, anonymousId.',
      }),
    ),
    aliasPreviousIdType: Type.Optional(
      Type.String({
        description: 'The type `previousId` of an alias call is read as. Default anonymousId.',
      }),
    ),
    blocklist: Type.Optional(
      Type.Object(
        {
          ids: Type.Optional(
            Type.Array(Type.String({ pattern: '^[A-Za-z][\\w.-]*:.+$' }), {
              description:
                'Identifiers never used for merging, as `type:value` (test emails, kiosk devices).',
            }),
          ),
          after: Type.Optional(
            Type.Integer({
              minimum: 1,
              description:
                'Blocklist an identifier once this many of its links are rejected merges. Default 100.',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)
export type IdentitySettings = Static<typeof IdentitySettingsSchema>
