import Type, { type Static, type TProperties } from 'typebox'

/** Unknown fields are kept, and typed as `unknown` so TypeScript lets code read them. */
export type Open<T> = T & { [key: string]: unknown }

/**
 * An object schema that keeps unknown fields: real SDKs send more than the spec names,
 * and a protocol that drops them loses data. All declared fields are optional.
 */
export function OpenObject<const P extends TProperties>(properties: P, description?: string) {
  const schema = Type.Partial(Type.Object(properties))
  return Type.Unsafe<Open<Static<typeof schema>>>({
    ...schema,
    additionalProperties: true,
    ...(description ? { description } : {}),
  })
}

/** A free-form JSON object (`properties`, `traits`): any keys, any JSON values. */
export function Dictionary(description: string) {
  return Type.Record(Type.String(), Type.Unknown(), { description })
}

/** An ISO-8601 / RFC 3339 date-time string such as `2026-11-22T10:00:00.000Z`. */
export function DateTime(description: string) {
  return Type.String({ format: 'date-time', description })
}
