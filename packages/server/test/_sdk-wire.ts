import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { gunzipSync } from 'node:zlib'
import type { Delivered } from './_gateway.ts'

/** A request the gateway answered, as it came over the wire (headers) and how it was answered. */
export interface WireRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  status: number
}

const FINISH = 'http.server.response.finish'

/**
 * Records every request the gateway at `url` answers, through Node's `http.server.response.finish`
 * diagnostics channel: nothing sits between the SDK and the gateway, and the body is left to
 * the gateway. Call `close()` to stop recording.
 */
export function tapGateway(url: string) {
  const port = Number(new URL(url).port)
  const requests: WireRequest[] = []
  const onFinish = (message: unknown) => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse }
    if (request.socket.localPort !== port) return
    requests.push({
      method: request.method ?? '',
      path: request.url ?? '',
      headers: request.headers,
      status: response.statusCode,
    })
  }
  subscribe(FINISH, onFinish)
  return { requests, close: () => unsubscribe(FINISH, onFinish) }
}

/** A JSON value as it goes over the wire: Dates become ISO strings. */
export const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T

/**
 * The batch a RudderStack SDK callback got: the bytes it posted (gzip) or, with `gzip: false`,
 * the object it posted.
 */
export function rudderBatch(data: unknown): SentBatch {
  if (Buffer.isBuffer(data)) return JSON.parse(gunzipSync(data).toString('utf8')) as SentBatch
  return asJson(data) as SentBatch
}

/** What an SDK posted to /v1/batch. */
export interface SentBatch {
  batch: SentEvent[]
  sentAt: string
  [key: string]: unknown
}
export type SentEvent = Record<string, unknown> & { messageId: string; type: string }

/** A delivered event body. */
export type DeliveredEvent = Record<string, unknown> & {
  messageId: string
  receivedAt: string
  timestamp: string
  sentAt?: string
  originalTimestamp?: string
}

/**
 * The receiver's deliveries by messageId. Throws when a messageId arrived twice or when the
 * `x-patchbay-message-id` header differs from the body's.
 */
export function deliveredOnce(received: readonly Delivered[]): Map<string, DeliveredEvent> {
  const byId = new Map<string, DeliveredEvent>()
  for (const delivery of received) {
    const event = delivery.body as DeliveredEvent
    if (delivery.headers['x-patchbay-message-id'] !== event.messageId)
      throw new Error(
        `x-patchbay-message-id ${String(delivery.headers['x-patchbay-message-id'])} is not the body's messageId ${event.messageId}`,
      )
    if (byId.has(event.messageId)) throw new Error(`${event.messageId} was delivered twice`)
    byId.set(event.messageId, event)
  }
  return byId
}

/** `receivedAt − (sentAt − originalTimestamp)`: the clock-skew correction of the Segment and RudderStack APIs. */
export function skewCorrected(event: { receivedAt: string; sentAt?: string; originalTimestamp?: string }) {
  const ms = (iso: string | undefined) => {
    const value = Date.parse(iso ?? '')
    if (Number.isNaN(value)) throw new Error(`not a date: ${String(iso)}`)
    return value
  }
  return new Date(ms(event.receivedAt) - (ms(event.sentAt) - ms(event.originalTimestamp))).toISOString()
}
