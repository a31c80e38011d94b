import '../error-codes.ts'
import { type NormalizedEvent, normalizeEvent, type ValidationIssue, validateBatch } from '@patchbay/protocol'
import { IngestError } from './_http.ts'

/** The event types with their own endpoint, `/v1/<type>`. */
export const EVENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** The write key the SDKs may also put in a body: never stored, never forwarded. */
function withoutWriteKey(value: Record<string, unknown>): Record<string, unknown> {
  if (!('writeKey' in value)) return value
  const { writeKey: _, ...rest } = value
  return rest
}

/** How many refused events a refusal lists, and how much of each: the answer stays small. */
export const REFUSAL_LIMITS = { events: 20, errorsPerEvent: 5, textChars: 200 } as const

interface Rejected {
  index: number
  messageId?: string
  errors: Array<Pick<ValidationIssue, 'path' | 'message'>>
}

/** At most `textChars` characters of a client's text, marked when cut. */
export const clip = (text: string, chars: number = REFUSAL_LIMITS.textChars): string =>
  text.length > chars ? `${text.slice(0, chars)}… (${text.length - chars} more characters)` : text

/**
 * The all-or-nothing refusal of a batch: a count, and the first REFUSAL_LIMITS.events bad
 * events by index, each with its first few problems, every text clipped.
 */
function refusal(rejected: Rejected[], total: number, batch: boolean): IngestError {
  rejected.sort((a, b) => a.index - b.index)
  const listed = rejected.slice(0, REFUSAL_LIMITS.events).map((r) => ({
    index: r.index,
    ...(r.messageId !== undefined ? { messageId: clip(r.messageId) } : {}),
    errors: r.errors
      .slice(0, REFUSAL_LIMITS.errorsPerEvent)
      .map((e) => ({ path: clip(e.path), message: clip(e.message) })),
    ...(r.errors.length > REFUSAL_LIMITS.errorsPerEvent
      ? { moreErrors: r.errors.length - REFUSAL_LIMITS.errorsPerEvent }
      : {}),
  }))
  const first = listed[0]!
  const where = batch ? `event ${first.index}${first.messageId ? ` (${first.messageId})` : ''}: ` : ''
  const tooLarge = rejected.every((r) => r.errors.every((e) => e.message.includes('PB_EVENT_TOO_LARGE')))
  return new IngestError(
    400,
    tooLarge ? 'PB_EVENT_TOO_LARGE' : 'PB_EVENT_INVALID',
    `${batch ? `${rejected.length} of ${total} events are invalid, so none was accepted; ` : ''}${where}${first.errors[0]!.message}`,
    {
      rejectedCount: rejected.length,
      rejected: listed,
      ...(rejected.length > listed.length ? { omitted: rejected.length - listed.length } : {}),
    },
    total,
  )
}

export interface Accepted {
  events: NormalizedEvent[]
  /** Each event as JSON text: measured for the size limit, then stored as is (one serialisation). */
  json: string[]
}

/**
 * Turns a request body into validated, normalised events, all or nothing. `type` is the
 * endpoint's (`/v1/track`), or undefined for `/v1/batch` and webhook results. Refuses the
 * whole request when any event is invalid or larger than `eventBytes` (listing the first bad
 * events by index, with why, and how many there are), or when there are more than
 * `batchEvents`. Linear in the number of events.
 */
export function acceptEvents(
  body: unknown,
  at: {
    type?: string
    batch: boolean
    eventBytes: number
    batchEvents: number
    receivedAt: Date
    requestIp?: string
  },
): Accepted {
  let envelope: Record<string, unknown>
  if (at.batch) {
    if (!isObject(body) || !Array.isArray(body.batch))
      throw new IngestError(
        400,
        'PB_GATEWAY_BODY_INVALID',
        'a batch must be a JSON object with a `batch` array',
      )
    envelope = withoutWriteKey(body)
  } else {
    if (!isObject(body))
      throw new IngestError(
        400,
        'PB_GATEWAY_BODY_INVALID',
        `the body must be a JSON object (one ${at.type} call)`,
      )
    if (at.type && body.type !== undefined && body.type !== at.type)
      throw new IngestError(
        400,
        'PB_EVENT_INVALID',
        `/v1/${at.type} takes ${at.type} calls, but the body has type "${String(body.type)}": post it to /v1/${String(body.type)} or /v1/batch`,
      )
    envelope = { batch: [at.type ? { ...body, type: at.type } : body] }
  }
  const items = (envelope.batch as unknown[]).map((item) => (isObject(item) ? withoutWriteKey(item) : item))
  if (items.length > at.batchEvents)
    throw new IngestError(
      400,
      'PB_GATEWAY_BODY_TOO_LARGE',
      `the batch has ${items.length} events; the limit is ${at.batchEvents}: send fewer events per batch`,
      {},
      items.length,
    )
  const problems = new Map<number, Rejected>()
  const problemOf = (index: number, messageId: string | undefined) => {
    let found = problems.get(index)
    if (!found) {
      found = { index, ...(messageId ? { messageId } : {}), errors: [] }
      problems.set(index, found)
    }
    return found
  }
  const checked = validateBatch({ ...envelope, batch: items })
  if (!checked.ok)
    throw new IngestError(400, 'PB_GATEWAY_BODY_INVALID', checked.errors.map((e) => e.message).join('; '))
  for (const bad of checked.rejected) {
    problemOf(bad.index, bad.messageId).errors.push(
      ...bad.errors.map((e) => ({
        path: at.batch ? e.path : e.path.replace(/^\/batch\/0/, ''),
        message: at.batch ? e.message : e.message.replace(/\/batch\/0(?=\/|\b)/g, ''),
      })),
    )
  }
  if (problems.size > 0) throw refusal([...problems.values()], items.length, at.batch)
  const events = checked.events.map((event) =>
    normalizeEvent(event, {
      receivedAt: at.receivedAt,
      ...(at.requestIp ? { requestIp: at.requestIp } : {}),
    }),
  )
  // The size limit is on the event as stored: the same text the store writes, so each event
  // is serialised once on the way in.
  const json = events.map((event, index) => {
    const text = JSON.stringify(event)
    // A UTF-16 unit is at most 3 bytes of UTF-8: most events are measured by length alone.
    const bytes = text.length * 3 <= at.eventBytes ? text.length : Buffer.byteLength(text)
    if (bytes > at.eventBytes)
      problemOf(index, event.messageId).errors.push({
        path: at.batch ? `/batch/${index}` : '',
        message: `the event is ${Math.ceil(bytes / 1024)} KB; the limit is ${Math.round(at.eventBytes / 1024)} KB (code PB_EVENT_TOO_LARGE)`,
      })
    return text
  })
  if (problems.size > 0) throw refusal([...problems.values()], items.length, at.batch)
  return { events, json }
}
