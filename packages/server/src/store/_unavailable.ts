/**
 * A store operation failed because the database cannot be reached (connection refused or
 * lost, the server shutting down), not because of what was asked: the caller answers 503
 * and tries again later. Stores mark such errors with `storeUnavailable: true`.
 */
export function isStoreUnavailable(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { storeUnavailable?: unknown }).storeUnavailable === true
  )
}

/** Marks `error` as a store-unavailable one (see isStoreUnavailable) and returns it. */
export function markUnavailable<E extends object>(error: E): E {
  Object.defineProperty(error, 'storeUnavailable', { value: true, enumerable: false })
  return error
}

/**
 * A settling write (retry, abort) found its job gone: another node took the job over after
 * this node's lease ran out (it could not reach the database for that long) and settled it.
 * Nothing is left to record; the caller drops the write. Stores mark such errors with
 * `jobGone: true`.
 */
export function isJobGone(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { jobGone?: unknown }).jobGone === true
}

/** Marks `error` as a job-gone one (see isJobGone) and returns it. */
export function markJobGone<E extends object>(error: E): E {
  Object.defineProperty(error, 'jobGone', { value: true, enumerable: false })
  return error
}
