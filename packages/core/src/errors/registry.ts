/**
 * What an error does to the batch it happened in, whichever event caused it:
 * `poisons-batch` fails every event of the batch (a host bisects the batch to find the
 * culprit); `takes-worker-down` also took the worker down (a host counts the attempt against
 * each event and retries it alone). Hosts read it from the error (`PatchbayError.poisonsBatch`,
 * `takesWorkerDown`), never from a list of codes.
 */
export type BatchEffect = 'poisons-batch' | 'takes-worker-down'

/** How the runtime treats an error: retry it, give up on it, or report it as bad input/config. */
export type ErrorFamily = 'configuration' | 'event' | 'retryable' | 'aborted'

/** One error code's entry in the registry, as a package declares it. */
export interface ErrorCodeSpec {
  readonly family: ErrorFamily
  /** What happened, in one sentence: the `Description` column of docs/errors.md. */
  readonly description: string
  /** What to do about it: the default hint of every error with this code. */
  readonly howToSolve: string
  readonly effect?: BatchEffect
}

/** A registered code: its entry and the package that owns it. */
export interface RegisteredErrorCode extends ErrorCodeSpec {
  readonly code: string
  readonly package: string
}

/**
 * The codes every package registered, shared by all copies of @patchbay/core loaded in one
 * process (a connector may bundle its own), in registration order.
 */
const REGISTRY_KEY = Symbol.for('patchbay.errorCodes')

function registry(): Map<string, RegisteredErrorCode> {
  const holder = globalThis as { [REGISTRY_KEY]?: Map<string, RegisteredErrorCode> }
  holder[REGISTRY_KEY] ??= new Map()
  return holder[REGISTRY_KEY]
}

/**
 * Registers a package's error codes and returns them as given, so their literal types can
 * extend {@link ErrorCodeRegistry}. A code is owned by one package: registering it from
 * another package throws (two packages must not give one code two meanings); the same
 * package registering again (a second copy loaded) is harmless.
 *
 * @example
 * export const QUEUE_ERROR_CODES = defineErrorCodes('@acme/destination-queue', {
 *   PB_QUEUE_FULL: { family: 'retryable', description: 'The queue is full.', howToSolve: 'Wait.' },
 * })
 * declare module '@patchbay/core' {
 *   interface ErrorCodeRegistry extends QueueErrorCodes {}
 * }
 * type QueueErrorCodes = typeof QUEUE_ERROR_CODES
 */
export function defineErrorCodes<const T extends Record<`PB_${string}`, ErrorCodeSpec>>(
  packageName: string,
  codes: T,
): T {
  const table = registry()
  for (const [code, spec] of Object.entries(codes) as [string, ErrorCodeSpec][]) {
    if (!/^PB_[A-Z0-9_]+$/.test(code))
      throw new TypeError(`${packageName}: error code "${code}" must match PB_[A-Z0-9_]+`)
    const owner = table.get(code)?.package
    if (owner !== undefined && owner !== packageName)
      throw new TypeError(
        `${packageName}: error code ${code} is already registered by ${owner}; pick a code with your package's prefix`,
      )
    table.set(code, { ...spec, code, package: packageName })
  }
  return codes
}

/** The registry entry of a code, or undefined when no loaded package registered it. */
export function errorCodeSpec(code: string): RegisteredErrorCode | undefined {
  return registry().get(code)
}

/** Every registered code, in registration order (core's first). */
export function listErrorCodes(): RegisteredErrorCode[] {
  return [...registry().values()]
}

/**
 * Every error code the loaded packages declare, keyed by code. Core's are built in; a package
 * adds its own by declaration merging (see {@link defineErrorCodes}), so `new
 * PatchbayError(code, ...)` only type-checks with a code some package registered.
 */
// biome-ignore lint/suspicious/noEmptyInterface: extended by declaration merging
export interface ErrorCodeRegistry extends CoreErrorCodes {}
type CoreErrorCodes = typeof import('./codes.ts').ERROR_CODES

export type ErrorCode = keyof ErrorCodeRegistry & string
export type CodesOf<F extends ErrorFamily> = {
  [K in ErrorCode]: ErrorCodeRegistry[K]['family'] extends F ? K : never
}[ErrorCode]
