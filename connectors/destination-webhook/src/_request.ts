import { type HttpRequest, InvalidEventError, toWireRequest } from '@patchbay/core'
import { authParts } from './_auth.ts'
import type { PreparedEvent } from './_compat.ts'
import { flattenToPairs } from './_flatten.ts'
import { isTemplate, renderTemplate } from './_template.ts'
import type { WebhookConfig } from './config.ts'
import { MESSAGE_ID_HEADER } from './headers.ts'
import { signRequest } from './signature.ts'

export const JSON_TYPE = 'application/json'
export const FORM_TYPE = 'application/x-www-form-urlencoded'

/** Methods that send the event as a body; GET and DELETE send it as query parameters. */
export function sendsBody(method: WebhookConfig['method']): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH'
}

function describe(messageId: unknown) {
  return typeof messageId === 'string' ? `event ${messageId}` : 'the event'
}

/**
 * The URL for one event: the configured URL with its placeholders filled, then the
 * event's `fullPath` / `appendPath` (RudderStack), checked against `eventOverrides`.
 */
export function resolveUrl(config: WebhookConfig, prepared: PreparedEvent, plugin: string): string {
  const base = isTemplate(config.url) ? renderTemplate(config.url, prepared.payload, plugin) : config.url
  if (prepared.fullPath === undefined && prepared.appendPath === undefined) return base
  const target = (prepared.fullPath ?? base) + (prepared.appendPath ?? '')
  const messageId = prepared.payload.messageId as string | undefined
  const field = prepared.fullPath !== undefined ? '/fullPath' : '/appendPath'
  let url: URL | undefined
  try {
    url = new URL(target)
  } catch {}
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new InvalidEventError(
      `${field.slice(1)} in ${describe(messageId)} does not make an absolute http(s) URL`,
      {
        plugin,
        field,
        messageId,
        hint: 'fullPath must be a full URL such as https://host/path; appendPath is added to the configured URL as is.',
      },
    )
  }
  const configured = new URL(base).origin
  if (config.eventOverrides === 'same-origin' && url.origin !== configured) {
    throw new InvalidEventError(
      `${field.slice(1)} in ${describe(messageId)} points at ${url.origin}, but eventOverrides is same-origin and the configured URL is on ${configured}`,
      {
        plugin,
        field,
        messageId,
        hint: "Set `eventOverrides: any-origin` if every event's sender may choose where requests (and their credentials) go.",
      },
    )
  }
  return target
}

export interface RequestParts {
  url: string
  /** Headers the event asked for (already lower-cased). */
  eventHeaders: Record<string, string>
  query?: Record<string, string>
  body?: string
  contentType?: string
  /** Set for single-event requests. */
  messageId?: string
}

/**
 * Assembles a request. Headers, lowest precedence first: content-type and the messageId
 * header, the configured static headers, the event's own headers, then the auth and
 * signature headers, which an event can never replace. The body is always a string, so
 * the bytes signed are the bytes sent.
 */
export function assembleRequest(config: WebhookConfig, parts: RequestParts, now: () => number): HttpRequest {
  const headers: Record<string, string> = {}
  if (parts.contentType) headers['content-type'] = parts.contentType
  if (parts.messageId) headers[MESSAGE_ID_HEADER] = parts.messageId
  for (const [name, value] of Object.entries(config.headers)) headers[name.toLowerCase()] = value
  Object.assign(headers, parts.eventHeaders)
  const auth = authParts(config.auth)
  Object.assign(headers, auth.headers)
  const query = { ...parts.query, ...auth.query }
  if (config.signing) {
    // Signed: the message id header as it will be sent (an event's own headers may set it),
    // the method, the path and query exactly as they go on the wire, and the body.
    const wire = new URL(toWireRequest({ method: config.method, url: parts.url, query }).url)
    headers[config.signing.header.toLowerCase()] = signRequest(
      {
        method: config.method,
        target: `${wire.pathname}${wire.search}`,
        messageId: headers[MESSAGE_ID_HEADER],
        body: parts.body,
      },
      config.signing.secret,
      Math.floor(now() / 1000),
      { legacyV1: config.signing.legacyV1 },
    )
  }
  return {
    method: config.method,
    url: parts.url,
    headers,
    ...(Object.keys(query).length > 0 ? { query } : {}),
    ...(parts.body !== undefined ? { body: parts.body } : {}),
  }
}

/** What GET and DELETE put in the query: traits for identify (or context.traits), properties otherwise. */
export function queryFields(payload: Record<string, unknown>): unknown {
  if (payload.type === 'identify')
    return payload.traits ?? (payload.context as { traits?: unknown } | undefined)?.traits
  if (payload.type === 'group') return payload.traits
  return payload.properties
}

/** One event → one request. */
export function singleRequest(
  config: WebhookConfig,
  prepared: PreparedEvent,
  plugin: string,
  now: () => number,
): HttpRequest {
  const url = resolveUrl(config, prepared, plugin)
  const { payload } = prepared
  const messageId = typeof payload.messageId === 'string' ? payload.messageId : undefined
  const base = { url, eventHeaders: prepared.headers, ...(messageId ? { messageId } : {}) }
  if (!sendsBody(config.method)) {
    return assembleRequest(
      config,
      { ...base, query: Object.fromEntries(flattenToPairs(queryFields(payload))) },
      now,
    )
  }
  if (config.bodyFormat === 'form') {
    const body = new URLSearchParams(flattenToPairs(payload)).toString()
    return assembleRequest(config, { ...base, body, contentType: FORM_TYPE }, now)
  }
  return assembleRequest(config, { ...base, body: JSON.stringify(payload), contentType: JSON_TYPE }, now)
}
