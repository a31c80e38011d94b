import {
  type BatchPlan,
  ConfigurationError,
  InvalidEventError,
  isPatchbayError,
  PatchbayError,
} from '@patchbay/core'
import { prepareEvent } from './_compat.ts'
import { assembleRequest, JSON_TYPE, resolveUrl, sendsBody } from './_request.ts'
import type { WebhookConfig } from './config.ts'

/** Refuses configs that cannot batch: GET/DELETE send no body, and a batch is a JSON array. */
export function assertBatchable(config: WebhookConfig, plugin: string): void {
  if (!sendsBody(config.method)) {
    throw new ConfigurationError(
      `batch.enabled needs a method that sends a body (POST, PUT or PATCH), but method is ${config.method}`,
      { plugin, field: '/batch/enabled', hint: 'Use method: POST, or turn batching off.' },
    )
  }
  if (config.bodyFormat !== 'json') {
    throw new ConfigurationError('batch.enabled sends a JSON array, so it needs bodyFormat: json', {
      plugin,
      field: '/batch/enabled',
      hint: 'Set bodyFormat: json, or turn batching off.',
    })
  }
}

interface Part {
  index: number
  json: string
  bytes: number
}

interface Group {
  url: string
  headers: Record<string, string>
  parts: Part[]
}

/**
 * Maps a chunk of events to JSON-array requests. Events go together only when they go to
 * the same URL with the same event headers; each request holds at most
 * `batch.maxEvents` events and `batch.maxBytes` bytes of body. An event that cannot be
 * mapped, or is too big for any batch, fails alone: its neighbours are still sent.
 */
export function planBatch(
  events: readonly Record<string, unknown>[],
  config: WebhookConfig,
  plugin: string,
  now: () => number,
): BatchPlan {
  assertBatchable(config, plugin)
  const { maxEvents, maxBytes } = config.batch
  const plan: BatchPlan = []
  const groups = new Map<string, Group>()
  events.forEach((event, index) => {
    try {
      const prepared = prepareEvent(event, config.eventOverrides, plugin)
      const url = resolveUrl(config, prepared, plugin)
      const json = JSON.stringify(prepared.payload)
      const bytes = Buffer.byteLength(json)
      if (bytes + 2 > maxBytes) {
        const messageId = typeof event.messageId === 'string' ? event.messageId : undefined
        throw new InvalidEventError(
          `${messageId ? `event ${messageId}` : 'the event'} is ${bytes + 2} bytes as a batch body, more than batch.maxBytes (${maxBytes})`,
          {
            code: 'PB_EVENT_TOO_LARGE',
            plugin,
            messageId,
            details: { bytes: bytes + 2, maxBytes },
            hint: 'Raise batch.maxBytes (if the receiver accepts larger bodies), or trim large fields in a transformation.',
          },
        )
      }
      const headers = Object.fromEntries(
        Object.entries(prepared.headers).sort(([a], [b]) => (a < b ? -1 : 1)),
      )
      const key = `${url}\n${JSON.stringify(headers)}`
      let group = groups.get(key)
      if (!group) {
        group = { url, headers, parts: [] }
        groups.set(key, group)
      }
      group.parts.push({ index, json, bytes })
    } catch (cause) {
      plan.push({ error: toPatchbayError(cause, plugin, event), events: [index] })
    }
  })

  for (const group of groups.values()) {
    let current: Part[] = []
    let size = 2
    const flush = () => {
      if (current.length === 0) return
      const body = `[${current.map((p) => p.json).join(',')}]`
      const request = assembleRequest(
        config,
        { url: group.url, eventHeaders: group.headers, body, contentType: JSON_TYPE },
        now,
      )
      plan.push({ request, events: current.map((p) => p.index) })
      current = []
      size = 2
    }
    for (const part of group.parts) {
      const cost = part.bytes + (current.length > 0 ? 1 : 0)
      if (current.length >= maxEvents || size + cost > maxBytes) flush()
      size += part.bytes + (current.length > 0 ? 1 : 0)
      current.push(part)
    }
    flush()
  }
  return plan
}

function toPatchbayError(cause: unknown, plugin: string, event: Record<string, unknown>): PatchbayError {
  if (isPatchbayError(cause)) return cause
  const messageId = typeof event.messageId === 'string' ? event.messageId : undefined
  return new PatchbayError(
    'PB_TRANSFORM_FAILED',
    `${plugin} could not map ${messageId ? `event ${messageId}` : 'an event'}: ${cause instanceof Error ? cause.message : String(cause)}`,
    { plugin, messageId, cause },
  )
}
