import { UserIdentifierSchema } from '@patchbay/core'
import Type, { type Static } from 'typebox'

/** What `POST /admin/regulations` takes. */
export const NewRegulationBodySchema = Type.Object(
  {
    type: Type.Union([Type.Literal('suppress'), Type.Literal('suppress_with_delete')], {
      description:
        '`suppress`: drop the users’ future events at ingest and purge what is queued. `suppress_with_delete`: that, and ask every destination that can delete to delete the users.',
    }),
    identifiers: Type.Array(UserIdentifierSchema, {
      minItems: 1,
      maxItems: 1_000,
      description: 'The users’ identifiers: userId, anonymousId, or a configured trait such as email.',
    }),
  },
  { additionalProperties: false },
)
export type NewRegulationBody = Static<typeof NewRegulationBodySchema>
