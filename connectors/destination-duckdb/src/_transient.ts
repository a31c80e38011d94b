/**
 * DuckDB errors that another attempt can fix: the file is locked by another process, I/O,
 * and the network (a database on a network file system or a remote attachment).
 */
export const TRANSIENT =
  /could not set lock|io error|resource temporarily|interrupted|transaction conflict|conflict on|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN/i

/** True when another attempt may succeed (see {@link TRANSIENT}). */
export const isTransient = (error: unknown): boolean =>
  TRANSIENT.test(error instanceof Error ? error.message : String(error))
