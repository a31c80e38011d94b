import Type, { type Static } from 'typebox'
import type { HttpResponse } from '../http/http-request.ts'
import type { Redactor } from '../redaction/redact.ts'
import type { WireRequest } from './transport.ts'

/** A request or response as kept for debugging: redacted, with its body size-capped. */
export const ExchangeRecordSchema = Type.Object({
  request: Type.Object({
    method: Type.String(),
    url: Type.String(),
    headers: Type.Record(Type.String(), Type.String()),
    body: Type.Optional(Type.String()),
  }),
  response: Type.Optional(
    Type.Object({
      status: Type.Integer(),
      headers: Type.Record(Type.String(), Type.String()),
      body: Type.Optional(Type.String()),
    }),
  ),
  /** The transport error, when no response arrived. */
  error: Type.Optional(Type.String()),
  attempt: Type.Integer({ minimum: 1 }),
})
export type ExchangeRecord = Static<typeof ExchangeRecordSchema>

/** Builds a record of one attempt; secrets never reach it. */
export function recordExchange(
  request: WireRequest,
  outcome: { response?: HttpResponse; error?: string },
  attempt: number,
  redactor: Redactor,
  maxBodyBytes: number,
): ExchangeRecord {
  const cap = (text: string | undefined) => {
    if (text === undefined) return undefined
    const clean = redactor.string(text)
    return clean.length > maxBodyBytes ? `${clean.slice(0, maxBodyBytes)}… (${clean.length} bytes)` : clean
  }
  const response = outcome.response
  return {
    request: {
      method: request.method,
      url: redactor.string(request.url),
      headers: redactor.headers(request.headers) ?? {},
      ...(request.body === undefined ? {} : { body: cap(request.body) }),
    },
    ...(response
      ? {
          response: {
            status: response.status,
            headers: redactor.headers(response.headers) ?? {},
            ...(response.body === undefined
              ? {}
              : {
                  body: cap(
                    typeof response.body === 'string' ? response.body : JSON.stringify(response.body),
                  ),
                }),
          },
        }
      : {}),
    ...(outcome.error === undefined ? {} : { error: redactor.string(outcome.error) }),
    attempt,
  }
}
