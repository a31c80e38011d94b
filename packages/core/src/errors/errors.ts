import { PatchbayError, type PatchbayErrorOptions } from './patchbay-error.ts'
import type { CodesOf } from './registry.ts'

/** A plugin config (or pipeline setting) is invalid. Never retried. */
export class ConfigurationError extends PatchbayError {
  constructor(message: string, options?: PatchbayErrorOptions & { code?: CodesOf<'configuration'> }) {
    super(options?.code ?? 'PB_CONFIG_INVALID', message, options)
    this.name = 'ConfigurationError'
  }
}

/** An event breaks the protocol or a plugin's expectations. Never retried. */
export class InvalidEventError extends PatchbayError {
  constructor(message: string, options?: PatchbayErrorOptions & { code?: CodesOf<'event'> }) {
    super(options?.code ?? 'PB_EVENT_INVALID', message, options)
    this.name = 'InvalidEventError'
  }
}

/** A destination does not handle this event type. The event is failed, never retried. */
export class UnsupportedEventError extends PatchbayError {
  constructor(message: string, options?: PatchbayErrorOptions) {
    super('PB_EVENT_UNSUPPORTED', message, options)
    this.name = 'UnsupportedEventError'
  }
}

/**
 * A failure that may succeed later: retried with backoff, or no earlier than
 * `retryAfterMs` when the destination said when (Retry-After on a 503).
 */
export class RetryableError extends PatchbayError {
  readonly retryAfterMs: number | undefined
  constructor(
    message: string,
    options?: PatchbayErrorOptions & {
      code?: Exclude<CodesOf<'retryable'>, 'PB_DELIVERY_THROTTLED'>
      retryAfterMs?: number
    },
  ) {
    super(options?.code ?? 'PB_DELIVERY_RETRYABLE', message, options)
    this.name = 'RetryableError'
    this.retryAfterMs = options?.retryAfterMs
  }
}

/**
 * The destination asked us to slow down. Retried, no earlier than `retryAfterMs` from now
 * when the destination said so (Retry-After).
 */
export class ThrottledError extends PatchbayError {
  readonly retryAfterMs: number | undefined
  constructor(message: string, options?: PatchbayErrorOptions & { retryAfterMs?: number }) {
    super('PB_DELIVERY_THROTTLED', message, options)
    this.name = 'ThrottledError'
    this.retryAfterMs = options?.retryAfterMs
  }
}

/** A failure that retrying cannot fix: the event is failed (and dead-lettered by the gateway). */
export class AbortedError extends PatchbayError {
  constructor(message: string, options?: PatchbayErrorOptions & { code?: CodesOf<'aborted'> }) {
    super(options?.code ?? 'PB_DELIVERY_ABORTED', message, options)
    this.name = 'AbortedError'
  }
}
