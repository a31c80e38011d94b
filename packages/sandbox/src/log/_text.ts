/** A quoted field's body, `\"` and `\\` escapes allowed (unrolled so V8 scans it in one pass). */
export const QUOTED_BODY = '[^"\\\\]*(?:\\\\.[^"\\\\]*)*'

/** Un-escapes `\"` and `\\` inside a quoted access-log field; other escapes (`\x22`) stay as written. */
export const unquote = (value: string): string =>
  value.includes('\\') ? value.replace(/\\(["\\])/g, '$1') : value

/** The parts of an HTTP request line. */
export interface RequestParts {
  method?: string
  path?: string
  protocol?: string
}

/**
 * Splits `METHOD PATH [PROTOCOL]` into `out`; anything else (a TLS handshake sent to a plain
 * port, a line with stray spaces) leaves `out` untouched.
 */
export function splitRequest(out: RequestParts, request: string): void {
  const a = request.indexOf(' ')
  if (a <= 0) return
  const b = request.indexOf(' ', a + 1)
  if (b === a + 1) return
  if (b < 0) {
    out.method = request.slice(0, a)
    out.path = request.slice(a + 1)
    return
  }
  if (b === request.length - 1 || request.indexOf(' ', b + 1) >= 0) return
  out.method = request.slice(0, a)
  out.path = request.slice(a + 1, b)
  out.protocol = request.slice(b + 1)
}
