import { InvalidEventError } from '@patchbay/core'
import { HEADER_NAME, HEADER_VALUE, type WebhookConfig } from './config.ts'

/** The event as it goes into the body, and what it asked for about its own request. */
export interface PreparedEvent {
  /** A copy of the event: `context.ip` filled, override fields taken out. Never the input object. */
  payload: Record<string, unknown>
  /** Replaces the configured URL (RudderStack `fullPath`). */
  fullPath?: string
  /** Appended to the URL (RudderStack `appendPath`). */
  appendPath?: string
  /** Extra headers from the event's `header` object, names lower-cased. */
  headers: Record<string, string>
}

const headerName = new RegExp(HEADER_NAME)
const headerValue = new RegExp(HEADER_VALUE)

/**
 * Applies RudderStack's webhook conventions to one event:
 * - `context.ip` is filled from `request_ip` when absent;
 * - unless `eventOverrides` is `off`, the top-level `fullPath`, `appendPath` and `header`
 *   fields are read and removed from the body, and `integrations.webhook.fullPath` /
 *   `.appendPath` are read as fallbacks (as rudder-transformer does).
 */
export function prepareEvent(
  event: Record<string, unknown>,
  mode: WebhookConfig['eventOverrides'],
  plugin: string,
): PreparedEvent {
  const payload: Record<string, unknown> = { ...event }
  const context = event.context as Record<string, unknown> | undefined
  const ip = context?.ip
  if (typeof event.request_ip === 'string' && (ip === undefined || ip === null || ip === '')) {
    payload.context = { ...context, ip: event.request_ip }
  }
  const prepared: PreparedEvent = { payload, headers: {} }
  if (mode === 'off') return prepared

  const messageId = typeof event.messageId === 'string' ? event.messageId : undefined
  const fail = (field: string, message: string, hint: string) =>
    new InvalidEventError(`${message} in ${messageId ? `event ${messageId}` : 'the event'}`, {
      plugin,
      field,
      messageId,
      hint,
    })
  const options = integrationOptions(event.integrations)
  for (const key of ['fullPath', 'appendPath'] as const) {
    const own = event[key]
    delete payload[key]
    if (own !== undefined && own !== null && typeof own !== 'string')
      throw fail(
        `/${key}`,
        `${key} must be a string, not ${typeof own}`,
        `Set ${key} to a string, or remove it.`,
      )
    const value = own || (typeof options?.[key] === 'string' ? (options[key] as string) : undefined)
    if (value) prepared[key] = value
  }

  const header = event.header
  delete payload.header
  if (header === undefined || header === null) return prepared
  if (typeof header !== 'object' || Array.isArray(header))
    throw fail(
      '/header',
      '`header` must be an object of header names to values',
      'Set `header: { name: value }`.',
    )
  for (const [name, raw] of Object.entries(header)) {
    if (raw === undefined || raw === null) continue
    const value = typeof raw === 'string' ? raw : typeof raw === 'object' ? JSON.stringify(raw) : String(raw)
    if (!headerName.test(name))
      throw fail(
        `/header/${name}`,
        `header name ${JSON.stringify(name)} is not a valid HTTP header name`,
        'Use letters, digits and - only.',
      )
    if (!headerValue.test(value))
      throw fail(
        `/header/${name}`,
        `header ${name} holds a line break or control character`,
        'Remove control characters from the value.',
      )
    prepared.headers[name.toLowerCase()] = value
  }
  return prepared
}

/** `integrations.webhook` (any letter case) when it is an options object. */
function integrationOptions(integrations: unknown): Record<string, unknown> | undefined {
  if (!integrations || typeof integrations !== 'object') return undefined
  for (const [key, value] of Object.entries(integrations)) {
    if (key.toLowerCase() === 'webhook' && value && typeof value === 'object')
      return value as Record<string, unknown>
  }
  return undefined
}
