import { markUnavailable } from '../_unavailable.ts'

/**
 * How long an ingest request waits for the database (its append, or the queue counts it
 * checks first) before it is answered 503: a stalled connection (a half-open TCP connection,
 * a black-holed network) never answers nor fails, and the SDKs give up after 10 s.
 */
export const ANSWER_WITHIN_MS = 5_000

/**
 * `work`, or a store-unavailable error once `ms` pass without its answer. The work itself
 * goes on: an append that commits after its caller was answered 503 is stored, and the
 * client's retry stores it again (at least once, never lost).
 */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(markUnavailable(new Error(`the database did not answer ${what} within ${ms / 1000} s`))),
      ms,
    )
  })
  work.catch(() => {}) // answered by the deadline: a later failure has nobody to tell
  return Promise.race([work, late]).finally(() => clearTimeout(timer))
}
