import type { Static } from 'typebox'
import Type from 'typebox'

/**
 * One identifier of a user, as a regulation names it: `userId`, `anonymousId`, or a trait
 * (`email`, `phone`...) read from `traits` and `context.traits`. Trait names are plain keys
 * (letters, digits, `_`, `-`), so they cannot reach into nested fields.
 */
export const UserIdentifierSchema = Type.Object(
  {
    type: Type.String({
      pattern: '^[A-Za-z_][A-Za-z0-9_-]{0,63}$',
      description: '`userId`, `anonymousId`, or the name of a trait (e.g. `email`).',
    }),
    value: Type.String({
      minLength: 1,
      maxLength: 1024,
      description: 'The identifier, exactly as events carry it.',
    }),
  },
  { additionalProperties: false },
)
export type UserIdentifier = Static<typeof UserIdentifierSchema>

/**
 * Every identifier of `event` of the given types, for matching against a regulation:
 * `userId` and `anonymousId` from the event, any other type from `traits` or
 * `context.traits` (string values only).
 *
 * @example
 * identifiersOf({ userId: 'u1', traits: { email: 'a@b.c' } }, ['userId', 'email'])
 * // [{ type: 'userId', value: 'u1' }, { type: 'email', value: 'a@b.c' }]
 */
export function identifiersOf(event: unknown, types: readonly string[]): UserIdentifier[] {
  const e = event as {
    traits?: Record<string, unknown>
    context?: { traits?: Record<string, unknown> }
  } & Record<string, unknown>
  const found: UserIdentifier[] = []
  const push = (type: string, value: unknown) => {
    if (typeof value === 'string' && value !== '') found.push({ type, value })
  }
  for (const type of types) {
    if (type === 'userId' || type === 'anonymousId') push(type, e?.[type])
    else {
      push(type, e?.traits?.[type])
      const nested = e?.context?.traits?.[type]
      if (nested !== e?.traits?.[type]) push(type, nested)
    }
  }
  return found
}
