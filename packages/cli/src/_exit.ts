/**
 * Exit codes, so scripts and CI can tell outcomes apart.
 * 0: everything succeeded. 1: the command ran, but events or checks failed.
 * 2: bad usage, input or configuration (nothing ran). 70: an internal error (a bug).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 70 } as const

/** A usage error: printed with the command's help, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}
