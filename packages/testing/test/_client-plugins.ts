import { AbortedError, defineClientDestination, RetryableError, Secret } from '@patchbay/core'
import Type from 'typebox'

/**
 * Client destinations (plugin API 2) for the client checks: one that keeps every rule (an
 * in-memory table keyed by messageId) and broken variants that each break one.
 */
const NETWORK = /^(ECONN|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)/
const base = {
  version: '1.0.0',
  apiVersion: 2,
  config: Type.Object({ connectionString: Secret(Type.String()) }),
  examples: [{ connectionString: 'db://loader:s3cret@127.0.0.1/events' }],
  supports: ['track', 'identify'] as const,
  open: () => new Map<string, unknown>(),
  classify: (error: unknown) => {
    const code = String((error as { code?: unknown } | null)?.code ?? '')
    return NETWORK.test(code) || code === '57P01'
      ? new RetryableError('the database is unreachable', { cause: error })
      : new AbortedError(`the database refused the batch (${code || 'no code'})`, { cause: error })
  },
}

export const goodClient = defineClientDestination({
  ...base,
  name: 'good-client-destination',
  deliverBatch: (events, { client }) =>
    events.map((event) => {
      client.set(event.messageId!, event)
      return null
    }),
})

/** Classifies every driver error as permanent: an outage turns into dead letters. */
export const everythingPermanent = defineClientDestination({
  ...base,
  name: 'everything-permanent',
  classify: (error) => new AbortedError('failed', { cause: error }),
  deliverBatch: (events) => events.map(() => null),
})

/** Reads `error.code` without a guard: a thrown undefined crashes classify. */
export const fragileClassify = defineClientDestination({
  ...base,
  name: 'fragile-classify',
  classify: (error) => {
    const code = (error as { code: string }).code
    return NETWORK.test(code) ? new RetryableError('unreachable') : new AbortedError(code)
  },
  deliverBatch: (events) => events.map(() => null),
})

/** Prints the driver's message (which quotes the connection string) to stderr. */
export const printsDriverErrors = defineClientDestination({
  ...base,
  name: 'prints-driver-errors',
  classify: (error) => {
    console.error('driver error:', (error as Error).message)
    return base.classify(error)
  },
  deliverBatch: (events) => events.map(() => null),
})

/** A plain INSERT: a repeated messageId fails on the key. */
export const notIdempotent = defineClientDestination({
  ...base,
  name: 'not-idempotent',
  deliverBatch: (events, { client }) =>
    events.map((event) => {
      if (client.has(event.messageId!)) return new AbortedError(`duplicate key ${event.messageId}`)
      client.set(event.messageId!, event)
      return null
    }),
})
