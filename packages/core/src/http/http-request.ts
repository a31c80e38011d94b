import Type, { type Static } from 'typebox'

/** HTTP methods a destination may use. */
export const HttpMethodSchema = Type.Union([
  Type.Literal('GET'),
  Type.Literal('POST'),
  Type.Literal('PUT'),
  Type.Literal('PATCH'),
  Type.Literal('DELETE'),
])
export type HttpMethod = Static<typeof HttpMethodSchema>

/**
 * A request as a destination describes it: plain data, no I/O, so `transform` can be
 * tested exactly. `body` is JSON-serialised unless it is a string (then sent as-is, with
 * the content-type the destination sets).
 */
export const HttpRequestSchema = Type.Object({
  method: HttpMethodSchema,
  url: Type.String({ description: 'Absolute http(s) URL.' }),
  headers: Type.Optional(Type.Record(Type.String(), Type.String())),
  query: Type.Optional(Type.Record(Type.String(), Type.String())),
  body: Type.Optional(Type.Unknown()),
})
export type HttpRequest = Static<typeof HttpRequestSchema>

/** A response as delivery hands it to `handleResponse` and records it. */
export const HttpResponseSchema = Type.Object({
  status: Type.Integer(),
  headers: Type.Record(Type.String(), Type.String()),
  /** Parsed JSON when the response said it is JSON and parsed, else the text. */
  body: Type.Unknown(),
})
export type HttpResponse = Static<typeof HttpResponseSchema>

/**
 * An inbound request as a source receives it. `rawBody` holds the exact bytes (for
 * signature checks); `body` is the parsed JSON when the content type is JSON.
 */
export const InboundRequestSchema = Type.Object({
  method: Type.String(),
  url: Type.String(),
  headers: Type.Record(Type.String(), Type.String()),
  query: Type.Record(Type.String(), Type.String()),
  body: Type.Unknown(),
  rawBody: Type.Optional(Type.Unsafe<Uint8Array>({ description: 'The raw request bytes.' })),
})
export type InboundRequest = Static<typeof InboundRequestSchema>
