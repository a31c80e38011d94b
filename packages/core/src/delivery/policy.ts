import { AbortedError, RetryableError, ThrottledError } from '../errors/errors.ts'
import { isPatchbayError, type PatchbayError } from '../errors/patchbay-error.ts'
import type { HttpResponse } from '../http/http-request.ts'
import { parseRetryAfter } from './backoff.ts'

/**
 * The delivery policy Segment and RudderStack converge on, for a response that arrived:
 * 2xx is delivered (undefined); 408, 429 and 5xx other than 501 are retried; 501, 3xx and
 * every other 4xx are aborted, since retrying cannot fix them.
 */
export function classifyResponse(
  response: HttpResponse,
  label: string,
  now = Date.now(),
): PatchbayError | undefined {
  const { status } = response
  if (status >= 200 && status < 300) return undefined
  const where = { step: label, details: { status } }
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'], now)
    return new ThrottledError(
      `${label}: the destination throttled the request (429${retryAfterMs === undefined ? '' : `, retry after ${Math.round(retryAfterMs / 1000)} s`})`,
      { ...where, retryAfterMs },
    )
  }
  if (status === 408 || (status >= 500 && status !== 501)) {
    return new RetryableError(`${label}: the destination answered ${status}; it will be retried`, {
      ...where,
      retryAfterMs: parseRetryAfter(response.headers['retry-after'], now),
    })
  }
  return new AbortedError(
    `${label}: the destination refused the request with ${status}${summary(response.body)}`,
    {
      ...where,
      hint:
        status === 401 || status === 403
          ? 'Check the credentials in the destination config.'
          : status >= 300 && status < 400
            ? `It redirected${response.headers.location ? ` to ${response.headers.location}` : ''}; set the final URL in the config.`
            : 'Read the recorded response (patchbay run --outcomes FILE); fix the config or the mapping.',
    },
  )
}

/** Network failures: timeouts and resets are retried; egress denials and our own errors pass through. */
export function classifyTransportError(error: unknown, label: string): PatchbayError {
  if (isPatchbayError(error)) return error
  const cause = error as { code?: string; message?: string; cause?: unknown }
  if (isPatchbayError(cause?.cause)) return cause.cause as PatchbayError
  const code = cause?.code ?? (cause?.cause as { code?: string } | undefined)?.code
  const timeouts: Record<string, string> = {
    UND_ERR_CONNECT_TIMEOUT: 'connecting',
    UND_ERR_HEADERS_TIMEOUT: 'waiting for the response headers',
    UND_ERR_BODY_TIMEOUT: 'reading the response body',
  }
  if (code && code in timeouts) {
    return new RetryableError(`${label}: timed out ${timeouts[code]}`, {
      code: 'PB_DELIVERY_TIMEOUT',
      step: label,
      cause: error,
    })
  }
  return new RetryableError(
    `${label}: network error${code ? ` ${code}` : ''}: ${cause?.message ?? String(error)}`,
    {
      step: label,
      cause: error,
    },
  )
}

function summary(body: unknown): string {
  if (body === undefined || body === null || body === '') return ''
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  return `: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`
}
