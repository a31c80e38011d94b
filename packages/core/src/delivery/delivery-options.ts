import Type, { type Static } from 'typebox'
import { Value } from 'typebox/value'

/**
 * How a destination's requests are delivered: `delivery:` on a destination step.
 * Every field has a default, so most pipelines never set it.
 */
export const DeliveryOptionsSchema = Type.Object(
  {
    concurrency: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1024, default: 8, description: 'Requests in flight at once.' }),
    ),
    timeouts: Type.Optional(
      Type.Object(
        {
          connectMs: Type.Optional(
            Type.Integer({ minimum: 1, default: 5_000, description: 'Opening the connection (TCP + TLS).' }),
          ),
          headersMs: Type.Optional(
            Type.Integer({
              minimum: 1,
              default: 10_000,
              description: 'From sending to the response headers.',
            }),
          ),
          bodyMs: Type.Optional(
            Type.Integer({
              minimum: 1,
              default: 10_000,
              description: 'Between chunks of the response body.',
            }),
          ),
        },
        { additionalProperties: false, default: {} },
      ),
    ),
    retry: Type.Optional(
      Type.Object(
        {
          maxAttempts: Type.Optional(
            Type.Integer({ minimum: 1, default: 5, description: 'Attempts in all, the first included.' }),
          ),
          baseDelayMs: Type.Optional(
            Type.Integer({
              minimum: 0,
              default: 200,
              description: 'Backoff base: attempt n waits up to base·2^(n-1).',
            }),
          ),
          maxDelayMs: Type.Optional(
            Type.Integer({ minimum: 0, default: 30_000, description: 'Cap on one backoff wait.' }),
          ),
          maxElapsedMs: Type.Optional(
            Type.Integer({
              minimum: 0,
              default: 120_000,
              description: 'Give up when the next wait would pass this.',
            }),
          ),
        },
        { additionalProperties: false, default: {} },
      ),
    ),
    record: Type.Optional(
      Type.Object(
        {
          maxBodyBytes: Type.Optional(
            Type.Integer({ minimum: 0, default: 4_096, description: 'Bytes of each body kept in records.' }),
          ),
        },
        { additionalProperties: false, default: {} },
      ),
    ),
  },
  { additionalProperties: false, default: {} },
)
/** A `delivery:` block as written in a pipeline file: every field optional. */
export type DeliveryOptionsInput = Static<typeof DeliveryOptionsSchema>

/** Delivery options with every default filled in. */
export type DeliveryOptions = DeepRequired<DeliveryOptionsInput>
type DeepRequired<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends object ? DeepRequired<NonNullable<T[K]>> : NonNullable<T[K]>
}

/** Fills every default of a (validated) `delivery:` block. Never mutates its input. */
export function resolveDeliveryOptions(input: DeliveryOptionsInput = {}): DeliveryOptions {
  return Value.Default(DeliveryOptionsSchema, structuredClone(input)) as DeliveryOptions
}
