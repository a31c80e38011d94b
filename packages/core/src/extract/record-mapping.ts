import { hash } from 'node:crypto'
import Type, { type Static } from 'typebox'
import { PatchbayError } from '../errors/patchbay-error.ts'
import { eventTimestamp } from './_extracted-dates.ts'

const Field = (description: string) => Type.String({ minLength: 1, description })
const Fields = (description: string) =>
  Type.Union([Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }), Type.Literal('*')], { description })

const common = {
  userId: Field('Record field (dot path) that becomes the `userId`.'),
  timestamp: Type.Optional(Field('Record field (dot path) that becomes the event `timestamp`.')),
  key: Type.Optional(
    Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description:
        "The stream's primary key fields, when the extractor does not declare them (Singer `key_properties`, Airbyte `primary_key`).",
    }),
  ),
}

/** How one stream's records become events: an identify, a track or a group call. */
export const StreamMappingSchema = Type.Union(
  [
    Type.Object(
      {
        type: Type.Literal('identify'),
        ...common,
        traits: Type.Optional(Fields('Record fields that become traits; `*` (default) for all of them.')),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        type: Type.Literal('track'),
        event: Type.String({ minLength: 1, description: 'The track event name.' }),
        ...common,
        properties: Type.Optional(
          Fields('Record fields that become properties; `*` (default) for all of them.'),
        ),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        type: Type.Literal('group'),
        groupId: Field('Record field (dot path) that becomes the `groupId`.'),
        ...common,
        traits: Type.Optional(
          Fields('Record fields that become group traits; `*` (default) for all of them.'),
        ),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'How the records of one stream become events.' },
)
export type StreamMapping = Static<typeof StreamMappingSchema>

/** Mappings by stream name: a stream without one is refused. */
export const StreamMappingsSchema = Type.Record(Type.String({ minLength: 1 }), StreamMappingSchema, {
  description: 'How each stream becomes events, by stream name. Records of a stream not listed are refused.',
})
export type StreamMappings = Static<typeof StreamMappingsSchema>

/** Where a record came from, for its event's context and for errors. */
export interface RecordOrigin {
  stream: string
  /** The line of the extractor's output it was on. */
  line: number
  /** Names the output in errors (`tap-crm stdout`). */
  file: string
  /** Primary key fields declared by the extractor; the mapping's `key` wins. */
  key?: readonly string[]
}

/**
 * A field by its name, or by its dot path when no field has that name: a field named with a
 * dot (a Singer `key_properties` entry, Airbyte's `[["a.b"]]`) is found as itself. Own
 * properties only: `constructor` is not a field of every record.
 */
const get = (record: Record<string, unknown>, path: string): unknown => {
  if (Object.hasOwn(record, path)) return record[path]
  if (!path.includes('.')) return undefined
  let value: unknown = record
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return value
}

const pick = (record: Record<string, unknown>, fields: readonly string[] | '*' | undefined) => {
  if (fields === undefined || fields === '*') return record
  const out: Record<string, unknown> = {}
  for (const field of fields) {
    const value = get(record, field)
    if (value !== undefined) out[field] = value
  }
  return out
}

/**
 * The deterministic messageId of a record: `<stream>:<primary key values>:<version>`, where
 * the version is the first 16 hex digits of the SHA-256 of the record's JSON text. The same
 * record sent again (a sync resumed from its last checkpoint) gets the same id, so a receiver
 * that dedupes by messageId keeps it once; a changed record (an incremental sync's update of
 * the same key) gets a new one and is delivered. Without a primary key, the id is the stream
 * and the version alone.
 */
export function recordMessageId(stream: string, keyValues: readonly unknown[], recordJson: string): string {
  const version = hash('sha256', `${stream}\n${recordJson}`, 'hex').slice(0, 16)
  if (keyValues.length === 0) return `${stream}:${version}`
  let key = ''
  for (let i = 0; i < keyValues.length; i++) {
    const v = keyValues[i]
    key += `${i === 0 ? '' : ','}${typeof v === 'string' ? v : JSON.stringify(v)}`
  }
  return `${stream}:${key}:${version}`
}

/** The string form of an id field (userId, groupId, a primary key), or a PB_RECORD_UNMAPPABLE error. */
function idOf(record: Record<string, unknown>, field: string, role: string, origin: RecordOrigin): string {
  const value = get(record, field)
  if (typeof value === 'string' && value !== '') return value
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  throw new PatchbayError(
    'PB_RECORD_UNMAPPABLE',
    `${origin.file}:${origin.line}: the record of stream "${origin.stream}" has ${value === undefined || value === null ? 'no' : `a non-scalar`} \`${field}\` (its ${role})`,
    { file: origin.file, line: origin.line, field: `/${field.replaceAll('.', '/')}` },
  )
}

const NO_KEY: readonly string[] = []

/** Longest integer literal read exactly (a sign and 63 digits): longer ones stay numbers. */
const MAX_EXACT_DIGITS = 64

/** A run of digits long enough that the integer it may be is beyond 2^53. */
const LONG_DIGITS = /\d{16}/

/**
 * The line parsed again with its integers beyond 2^53 exact (as BigInt), when it has any;
 * undefined for a line with none, which is nearly every line (one regular expression test).
 * JSON.parse rounds `9007199254740993` to `...992`: two records whose keys differ only there
 * would get one userId and one messageId, and a destination that dedupes would drop one.
 * Give the record inside to {@link mapRecord} as `exact`: its ids and messageId use it.
 */
export function exactIntegers(text: string): unknown {
  if (!LONG_DIGITS.test(text)) return undefined
  let found = false
  const reviver = (_key: string, value: unknown, context?: { source?: string }) => {
    if (typeof value !== 'number' || Number.isSafeInteger(value)) return value
    const source = context?.source
    // An id has a few dozen digits at most; BigInt of a million takes 0.2 s of the host's thread.
    if (source === undefined || source.length > MAX_EXACT_DIGITS || !/^-?\d+$/.test(source)) return value
    found = true
    return BigInt(source)
  }
  const parsed: unknown = JSON.parse(text, reviver as Parameters<typeof JSON.parse>[1])
  return found ? parsed : undefined
}

/** JSON.stringify's replacer for exact records: a BigInt as the number it is, digit for digit. */
const rawBigInt = (_key: string, value: unknown) =>
  typeof value === 'bigint'
    ? (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON(value.toString())
    : value

/**
 * Turns one record into the event its stream's mapping says, with a deterministic messageId
 * and `context.extract: { stream, connector }`. Throws `PB_RECORD_UNMAPPABLE` with the line
 * when a field the mapping needs (the userId, groupId, a key field) is missing or not a scalar.
 * Called once per record: it builds the event with literals (no spreads, no closures).
 *
 * @example
 * mapRecord({ type: 'identify', userId: 'id' }, { id: 7, email: 'a@b.c' }, { stream: 'users', line: 3, file: 'tap stdout' }, 'singer')
 * // { type: 'identify', userId: '7', traits: { id: 7, email: 'a@b.c' }, messageId: 'users:<hash>', ... }
 */
export function mapRecord(
  mapping: StreamMapping,
  record: Record<string, unknown>,
  origin: RecordOrigin,
  connector: string,
  exact?: Record<string, unknown>,
): Record<string, unknown> {
  // Ids and the version come from the exact record when there is one (see exactIntegers).
  const ids = exact ?? record
  const keyFields = mapping.key ?? origin.key ?? NO_KEY
  const keyValues: string[] = []
  for (const field of keyFields) keyValues.push(idOf(ids, field, 'primary key', origin))
  const json = exact ? JSON.stringify(exact, rawBigInt) : JSON.stringify(record)
  const messageId = recordMessageId(origin.stream, keyValues, json)
  const context = { extract: { stream: origin.stream, connector } }
  const at = mapping.timestamp === undefined ? undefined : get(record, mapping.timestamp)
  // As extractors write it (no offset, a space, a date alone), made RFC 3339 for the protocol.
  const timestamp = typeof at === 'string' ? eventTimestamp(at) : undefined
  const userId = idOf(ids, mapping.userId, 'userId', origin)
  // Key order is the stored JSON's: type, [event], messageId, userId, [timestamp], context, ...
  switch (mapping.type) {
    case 'identify': {
      const traits = pick(record, mapping.traits)
      return typeof timestamp === 'string'
        ? { type: 'identify', messageId, userId, timestamp, context, traits }
        : { type: 'identify', messageId, userId, context, traits }
    }
    case 'track': {
      const properties = pick(record, mapping.properties)
      const event = mapping.event
      return typeof timestamp === 'string'
        ? { type: 'track', event, messageId, userId, timestamp, context, properties }
        : { type: 'track', event, messageId, userId, context, properties }
    }
    case 'group': {
      const groupId = idOf(ids, mapping.groupId, 'groupId', origin)
      const traits = pick(record, mapping.traits)
      return typeof timestamp === 'string'
        ? { type: 'group', messageId, userId, timestamp, context, groupId, traits }
        : { type: 'group', messageId, userId, context, groupId, traits }
    }
  }
}

/** Refuses streams without a mapping, naming them all and the ones that are mapped. */
export function checkStreamsMapped(
  streams: Iterable<string>,
  mappings: StreamMappings,
  where: { plugin?: string; file?: string },
): void {
  const missing = [...streams].filter((s) => !Object.hasOwn(mappings, s))
  if (missing.length === 0) return
  throw new PatchbayError(
    'PB_STREAM_UNMAPPED',
    `stream${missing.length > 1 ? 's' : ''} ${missing.map((s) => `"${s}"`).join(', ')} ${missing.length > 1 ? 'have' : 'has'} no mapping in \`streams:\`${where.file ? ` (from ${where.file})` : ''}`,
    {
      ...where,
      field: '/streams',
      hint: `Add \`streams: { ${missing[0]}: { type: identify, userId: <field> } }\` to the source's config, or deselect the stream in the catalog. Mapped: ${Object.keys(mappings).join(', ') || 'none'}.`,
    },
  )
}
