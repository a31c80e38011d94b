import type { HttpRequest, HttpResponse } from '../http/http-request.ts'
import { urlTarget } from './_url-target.ts'

/** What a transport sends: the request with its body already serialised. */
export interface WireRequest {
  method: HttpRequest['method']
  /** Absolute URL with `query` applied. */
  url: string
  headers: Record<string, string>
  body: string | undefined
}

/**
 * Moves one request and returns the response, or throws a transport error (refused,
 * reset, timed out, egress denied). The deliverer decides what is retried.
 */
export interface Transport {
  send(request: WireRequest): Promise<HttpResponse>
  close(): Promise<void>
}

/**
 * Serialises a destination's request for the wire: `query` merged into the URL, a JSON
 * body stringified with `content-type: application/json` (unless the destination set one),
 * a string body sent as is.
 */
export function toWireRequest(request: HttpRequest): WireRequest {
  const query = request.query ? Object.entries(request.query) : []
  let href: string
  if (query.length === 0) href = urlTarget(request.url).href
  else {
    const url = new URL(request.url)
    for (const [key, value] of query) url.searchParams.append(key, value)
    href = url.href
  }
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value
  let body: string | undefined
  if (request.body !== undefined && request.body !== null && request.method !== 'GET') {
    if (typeof request.body === 'string') body = request.body
    else {
      body = JSON.stringify(request.body)
      headers['content-type'] ??= 'application/json'
    }
  }
  return { method: request.method, url: href, headers, body }
}

/** Parses a response body: JSON when the content type says so and it parses, else text. */
export function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return undefined
  if (contentType && /\bjson\b/i.test(contentType)) {
    try {
      return JSON.parse(text)
    } catch {
      return text
    }
  }
  return text
}
