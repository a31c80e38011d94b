import './codes.ts'
import { type BatchEffect, type ErrorCode, type ErrorFamily, errorCodeSpec } from './registry.ts'

const MARKER = Symbol.for('patchbay.error')

/** Where an error happened, as far as it is known. Every field is optional. */
export interface ErrorLocation {
  /** Plugin name, e.g. `@patchbay/destination-webhook@2.1.0`. */
  plugin?: string
  /** Pipeline step id, e.g. `destinations.crm`. */
  step?: string
  /** Field path inside a config or event, as a JSON pointer (`/auth/token`). */
  field?: string
  /** The event's messageId. */
  messageId?: string
  /** File, line and column (1-based), e.g. for pipeline files and user code. */
  file?: string
  line?: number
  column?: number
}

export interface PatchbayErrorOptions extends ErrorLocation {
  /** What to do about it, when the registry's general advice is not specific enough. */
  hint?: string
  cause?: unknown
  /** Extra machine-readable facts (status code, limits, versions). Never secrets. */
  details?: Record<string, unknown>
  /**
   * What this error did to its batch, when that is more than its code's registry entry says:
   * a `transformBatch` that threw fails every event of its batch (`poisons-batch`), though
   * the same code thrown for one event fails only that event.
   */
  effect?: BatchEffect
}

/** The JSON form of a PatchbayError: what `--json` output, outcomes and logs carry. */
export interface PatchbayErrorJSON extends ErrorLocation {
  name: string
  code: ErrorCode
  family: ErrorFamily
  message: string
  hint: string
  details?: Record<string, unknown>
}

/**
 * The base of every error Patchbay raises. Each has a stable `code` from the registry,
 * a `family` that decides how the runtime treats it, and a location.
 *
 * Use {@link isPatchbayError} rather than `instanceof`: it also recognises errors made by
 * another copy of @patchbay/core (a connector that bundles its own).
 *
 * @example
 * throw new PatchbayError('PB_CONFIG_INVALID', 'url must be an absolute http(s) URL', { field: '/url' })
 */
export class PatchbayError extends Error {
  readonly code: ErrorCode
  readonly family: ErrorFamily
  readonly hint: string
  readonly details: Record<string, unknown> | undefined
  readonly location: ErrorLocation
  /** It failed its whole batch, whichever event caused it: bisect the batch to find the culprit. */
  readonly poisonsBatch: boolean
  /** It also took the worker running the batch down (implies `poisonsBatch`). */
  readonly takesWorkerDown: boolean

  constructor(code: ErrorCode, message: string, options: PatchbayErrorOptions = {}) {
    const { hint, cause, details, effect: own, ...location } = options
    super(message, cause === undefined ? undefined : { cause })
    this.name = 'PatchbayError'
    this.code = code
    // An unregistered code (a package's error revived where that package is not loaded) is
    // treated as a permanent failure rather than hiding the error behind a TypeError.
    const spec = errorCodeSpec(code)
    this.family = spec?.family ?? 'aborted'
    this.hint = hint ?? spec?.howToSolve ?? 'See docs/errors.md for this code.'
    this.details = details
    this.location = location
    const effect = own ?? spec?.effect
    this.takesWorkerDown = effect === 'takes-worker-down'
    this.poisonsBatch = this.takesWorkerDown || effect === 'poisons-batch'
    Object.defineProperty(this, MARKER, { value: true })
  }

  /** True when the runtime should retry the operation that raised this error. */
  get retryable(): boolean {
    return this.family === 'retryable'
  }

  toJSON(): PatchbayErrorJSON {
    return {
      name: this.name,
      code: this.code,
      family: this.family,
      message: this.message,
      hint: this.hint,
      ...this.location,
      ...(this.details ? { details: this.details } : {}),
    }
  }
}

/** True for any PatchbayError, including ones made by another copy of @patchbay/core. */
export function isPatchbayError(value: unknown): value is PatchbayError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARKER] === true
}

/** Formats the location part of a message: `plugin x, step y, field /a, event m-1`. */
export function describeLocation(loc: ErrorLocation): string {
  const parts: string[] = []
  if (loc.file)
    parts.push(loc.line ? `${loc.file}:${loc.line}${loc.column ? `:${loc.column}` : ''}` : loc.file)
  if (loc.plugin) parts.push(`plugin ${loc.plugin}`)
  if (loc.step) parts.push(`step ${loc.step}`)
  if (loc.field) parts.push(`field ${loc.field}`)
  if (loc.messageId) parts.push(`event ${loc.messageId}`)
  return parts.join(', ')
}
