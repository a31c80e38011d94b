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

export interface Accepted {
  events: NormalizedEvent[]
}

/**
 * Turns a request body into validated, normalised events, all or nothing. `type` is the
 * endpoint's (`/v1/track`), or undefined for `/v1/batch` and webhook results. Refuses the
 * whole request, listing every bad event by index with why, when any event is invalid or
 * larger than `eventBytes`.
 */
export function acceptEvents(
  body: unknown,
  at: { type?: string; batch: boolean; eventBytes: number; receivedAt: Date; requestIp?: string },
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
  const rejected: Array<{
    index: number
    messageId?: string
    errors: Array<Pick<ValidationIssue, 'path' | 'message'>>
  }> = []
  items.forEach((item, index) => {
    const bytes = Buffer.byteLength(JSON.stringify(item))
    if (bytes > at.eventBytes) {
      const messageId = isObject(item) && typeof item.messageId === 'string' ? item.messageId : undefined
      rejected.push({
        index,
        ...(messageId ? { messageId } : {}),
        errors: [
          {
            path: at.batch ? `/batch/${index}` : '',
            message: `the event is ${Math.ceil(bytes / 1024)} KB; the limit is ${Math.round(at.eventBytes / 1024)} KB (code PB_EVENT_TOO_LARGE)`,
          },
        ],
      })
    }
  })
  const checked = validateBatch({ ...envelope, batch: items })
  if (!checked.ok)
    throw new IngestError(400, 'PB_GATEWAY_BODY_INVALID', checked.errors.map((e) => e.message).join('; '))
  for (const bad of checked.rejected) {
    const known = rejected.find((r) => r.index === bad.index)
    const errors = bad.errors.map((e) => ({
      path: at.batch ? e.path : e.path.replace(/^\/batch\/0/, ''),
      message: at.batch ? e.message : e.message.replace(/\/batch\/0(?=\/|\b)/g, ''),
    }))
    if (known) known.errors.push(...errors)
    else rejected.push({ index: bad.index, ...(bad.messageId ? { messageId: bad.messageId } : {}), errors })
  }
  if (rejected.length > 0) {
    rejected.sort((a, b) => a.index - b.index)
    const first = rejected[0]!
    const where = at.batch ? `event ${first.index}${first.messageId ? ` (${first.messageId})` : ''}: ` : ''
    const tooLarge = rejected.every((r) => r.errors.every((e) => e.message.includes('PB_EVENT_TOO_LARGE')))
    throw new IngestError(
      400,
      tooLarge ? 'PB_EVENT_TOO_LARGE' : 'PB_EVENT_INVALID',
      `${at.batch ? `${rejected.length} of ${items.length} events are invalid, so none was accepted; ` : ''}${where}${first.errors[0]!.message}`,
      { rejected },
      items.length,
    )
  }
  return {
    events: checked.events.map((event) =>
      normalizeEvent(event, {
        receivedAt: at.receivedAt,
        ...(at.requestIp ? { requestIp: at.requestIp } : {}),
      }),
    ),
  }
}
