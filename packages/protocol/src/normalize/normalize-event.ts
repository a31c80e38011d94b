import type { PatchbayEvent } from '../schema/events.ts'

export interface NormalizeOptions {
  /** When Patchbay received the event (default: now). */
  receivedAt?: Date | string | number
  /** Makes ids for events without `messageId` (default: crypto.randomUUID). */
  messageId?: () => string
  /** The IP the request came from; set as `request_ip` when the event has none. */
  requestIp?: string
}

/** An event after normalisation: it always has a messageId, receivedAt and timestamp. */
export type NormalizedEvent<E extends PatchbayEvent = PatchbayEvent> = E & {
  messageId: string
  receivedAt: string
  timestamp: string
  request_ip?: string
}

/**
 * Fills what the server owns, returning a new event (the input is never mutated):
 * - `messageId` when absent;
 * - `receivedAt`;
 * - `timestamp` when absent: `receivedAt − (sentAt − originalTimestamp)`, the clock-skew
 *   correction Segment and RudderStack use, when both are present; otherwise
 *   `originalTimestamp`; otherwise `receivedAt`;
 * - `request_ip` when a `requestIp` is given and the event has none;
 * - `context.patchbay` is dropped: Patchbay's own stages write there (the identity stage's
 *   canonical id and graph changes, which warehouse loads apply to their identity tables),
 *   so what a client sent there must never pass for theirs.
 *
 * @example
 * normalizeEvent(
 *   { type: 'track', event: 'Signed Up', anonymousId: 'a1',
 *     originalTimestamp: '2026-11-22T10:00:00.000Z', sentAt: '2026-11-22T10:00:05.000Z' },
 *   { receivedAt: '2026-11-22T10:00:02.000Z' },
 * ).timestamp // '2026-11-22T09:59:57.000Z': the device clock ran 3 s fast
 */
export function normalizeEvent<E extends PatchbayEvent>(
  event: E,
  options: NormalizeOptions = {},
): NormalizedEvent<E> {
  const received = receivedDate(options.receivedAt ?? Date.now())
  if (received === undefined)
    throw new RangeError(`normalizeEvent: receivedAt ${String(options.receivedAt)} is not a valid date`)
  const out = { ...event } as NormalizedEvent<E>
  out.messageId = event.messageId ?? (options.messageId ?? defaultMessageId)()
  out.receivedAt = received.iso
  if (event.timestamp === undefined) out.timestamp = correctedTimestamp(event, received)
  if (options.requestIp !== undefined && event.request_ip === undefined) out.request_ip = options.requestIp
  const context = event.context as Record<string, unknown> | undefined
  if (context !== null && typeof context === 'object' && Object.hasOwn(context, 'patchbay')) {
    const { patchbay: _client, ...rest } = context
    out.context = rest as typeof out.context
  }
  return out
}

function correctedTimestamp(event: PatchbayEvent, received: Received): string {
  const original = toDate(event.originalTimestamp)
  const sent = toDate(event.sentAt)
  if (original && sent) return new Date(received.time - (sent.getTime() - original.getTime())).toISOString()
  if (original) return original.toISOString()
  return received.iso
}

/** receivedAt as a time and its ISO text. */
interface Received {
  time: number
  iso: string
}

// A batch is normalised with one receivedAt: the last one is kept, parsed and formatted once.
let lastReceived: { input: string | number; received: Received } | undefined

function receivedDate(value: Date | string | number): Received | undefined {
  // A Date is keyed by its time (it may be changed after a call), as a number would be.
  const input = value instanceof Date ? value.getTime() : value
  if (lastReceived?.input === input) return lastReceived.received
  const date = toDate(input)
  if (date === undefined) return undefined
  const received = { time: date.getTime(), iso: date.toISOString() }
  lastReceived = { input, received }
  return received
}

function toDate(value: Date | string | number | undefined): Date | undefined {
  if (value === undefined) return undefined
  const date = value instanceof Date ? value : new Date(value)
  return Number.isNaN(date.getTime()) ? undefined : date
}

const defaultMessageId = () => crypto.randomUUID()
