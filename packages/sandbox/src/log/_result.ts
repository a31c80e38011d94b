/**
 * What every parser returns: the parsed fields, or why the line did not match. Parsers never
 * throw on data, so a transform can count and drop noise cheaply.
 */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string }

export const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value })
export const fail = (error: string): ParseResult<never> => ({ ok: false, error })

/** A failure with a fixed message, made once: returning it allocates nothing. */
export const constantFailure = (error: string): ParseResult<never> => Object.freeze({ ok: false, error })
