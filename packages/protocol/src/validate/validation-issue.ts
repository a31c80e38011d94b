import Type, { type Static } from 'typebox'

/** One reason an event or batch was rejected. Serialisable, so APIs can return it as is. */
export const ValidationIssueSchema = Type.Object({
  path: Type.String({ description: 'JSON pointer to the offending field, e.g. /properties/price.' }),
  message: Type.String({ description: 'What is wrong and what the field should be, for a person.' }),
  keyword: Type.String({ description: 'Machine-readable rule: required, type, format, identity, ...' }),
})
export type ValidationIssue = Static<typeof ValidationIssueSchema>

/** The answer of a validator: the typed value, or every issue found. */
export type ValidationResult<T> = { ok: true; event: T } | { ok: false; errors: ValidationIssue[] }
