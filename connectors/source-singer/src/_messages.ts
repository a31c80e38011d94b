import './error-codes.ts'
import { PatchbayError, parseJson } from '@patchbay/core'

/** The Singer messages a tap writes, one JSON object per line. */
export type SingerMessage =
  | { type: 'SCHEMA'; stream: string; schema: Record<string, unknown>; key: string[] }
  | { type: 'RECORD'; stream: string; record: Record<string, unknown> }
  | { type: 'STATE'; value: unknown }
  | { type: 'ACTIVATE_VERSION'; stream: string }

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** Where a line is, for errors: `tap-crm stdout:12`. */
export interface LineAt {
  file: string
  line: number
}

export const invalid = (at: LineAt, message: string) =>
  new PatchbayError('PB_SINGER_MESSAGE_INVALID', `${at.file}:${at.line}: ${message}`, {
    file: at.file,
    line: at.line,
  })

const AS_LINE = { what: 'the line' }

/** The message's `stream` name, or PB_SINGER_MESSAGE_INVALID. */
function streamOf(message: Record<string, unknown>, at: LineAt): string {
  const stream = message.stream
  if (typeof stream !== 'string' || stream === '')
    throw invalid(at, `a ${String(message.type)} message needs a "stream" name`)
  return stream
}

/**
 * Parses one line of tap output into a message, or throws PB_SINGER_MESSAGE_INVALID with the
 * line. A RECORD is the parsed object itself (checked, not copied: one per line adds up).
 */
export function parseSingerLine(text: string, at: LineAt): SingerMessage {
  let message: unknown
  try {
    message = parseJson(text, AS_LINE)
  } catch (error) {
    const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text
    throw invalid(at, `not a JSON message (${(error as Error).message}): ${JSON.stringify(shown)}`)
  }
  if (!isObject(message)) throw invalid(at, 'a Singer message is a JSON object')
  switch (message.type) {
    case 'RECORD':
      if (!isObject(message.record)) throw invalid(at, 'a RECORD message needs a "record" object')
      streamOf(message, at)
      return message as Extract<SingerMessage, { type: 'RECORD' }>
    case 'SCHEMA': {
      if (!isObject(message.schema)) throw invalid(at, 'a SCHEMA message needs a "schema" object')
      const key = message.key_properties ?? []
      if (!Array.isArray(key) || !key.every((k) => typeof k === 'string'))
        throw invalid(at, '"key_properties" must be an array of field names')
      return { type: 'SCHEMA', stream: streamOf(message, at), schema: message.schema, key }
    }
    case 'STATE':
      if (!('value' in message)) throw invalid(at, 'a STATE message needs a "value"')
      return { type: 'STATE', value: message.value }
    case 'ACTIVATE_VERSION':
      return { type: 'ACTIVATE_VERSION', stream: streamOf(message, at) }
    default:
      throw invalid(
        at,
        `unknown message type ${JSON.stringify(message.type)} (Singer has SCHEMA, RECORD, STATE, ACTIVATE_VERSION)`,
      )
  }
}
