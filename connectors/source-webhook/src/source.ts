import { ConfigurationError, defineSource, type InboundRequest } from '@patchbay/core'
import pkg from '../package.json' with { type: 'json' }
import { readJsonBody } from './_body.ts'
import { parsePath, readPath } from './_path.ts'
import { type WebhookSourceConfig, WebhookSourceConfigSchema } from './config.ts'

export interface WebhookSourceOptions {
  /** Makes anonymousIds for events that have none (default crypto.randomUUID). Tests pass a counter. */
  newId?: () => string
}

/** Headers never copied into events: they carry credentials. */
const PRIVATE_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'])

/**
 * Builds the webhook source. The package's default export is `createWebhookSource()`; call
 * it yourself only to inject an id generator.
 */
export function createWebhookSource(options: WebhookSourceOptions = {}) {
  const newId = options.newId ?? (() => crypto.randomUUID())
  return defineSource({
    name: pkg.name,
    version: pkg.version,
    apiVersion: 1,
    title: 'Webhook source',
    description: pkg.description,
    config: WebhookSourceConfigSchema,
    examples: [
      {
        eventName: 'webhook_source_event',
        splitArray: false,
        includeRequest: false,
        maxBodyBytes: 524288,
      },
      {
        eventName: 'Form Submitted',
        eventNamePath: 'type',
        userIdPath: 'data.user.id',
        splitArray: true,
        includeRequest: true,
        maxBodyBytes: 65536,
      },
    ],
    parse(request, { config, plugin }) {
      checkPaths(config)
      const body = readJsonBody(request, config.maxBodyBytes, plugin)
      const items = Array.isArray(body) && config.splitArray ? body : [body]
      // Build everything first: a body either becomes all its events or none.
      const events = items.map((item) => toEvent(item, request, config, newId))
      return { events, response: { status: 200, body: { ok: true, events: events.length } } }
    },
  })
}

function toEvent(item: unknown, request: InboundRequest, config: WebhookSourceConfig, newId: () => string) {
  const properties =
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? (item as Record<string, unknown>)
      : { value: item }
  const name =
    asString(config.eventNamePath && readPath(item, config.eventNamePath)) ??
    asString(config.eventNameHeader && request.headers[config.eventNameHeader.toLowerCase()]) ??
    config.eventName
  const userId = asString(config.userIdPath && readPath(item, config.userIdPath))
  const anonymousId = asString(config.anonymousIdPath && readPath(item, config.anonymousIdPath)) ?? newId()
  return {
    type: 'track' as const,
    event: name,
    ...(userId ? { userId } : {}),
    anonymousId,
    properties,
    context: {
      library: { name: pkg.name, version: pkg.version },
      ...(config.includeRequest ? { request: describeRequest(request) } : {}),
    },
  }
}

function describeRequest(request: InboundRequest) {
  const headers = Object.fromEntries(
    Object.entries(request.headers).filter(([name]) => !PRIVATE_HEADERS.has(name.toLowerCase())),
  )
  return { method: request.method, url: request.url, headers, query: request.query }
}

/** Ids and names from the body may be numbers; empty values count as absent. */
function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length > 0 ? value : undefined
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

function checkPaths(config: WebhookSourceConfig) {
  for (const field of ['eventNamePath', 'userIdPath', 'anonymousIdPath'] as const) {
    const path = config[field]
    if (path === undefined) continue
    try {
      parsePath(path)
    } catch (error) {
      throw new ConfigurationError(`${field} "${path}" is not a valid path: ${(error as Error).message}`, {
        field: `/${field}`,
        hint: 'Write paths like data.user.id, items[0].sku or ["odd.key"].value.',
      })
    }
  }
}
