import type { PatchbayEvent } from '@patchbay/protocol'
import type { ColumnType } from './column-type.ts'
import type { Dialect } from './dialect.ts'
import { deconflict, normalizeIdentifier } from './identifiers.ts'
import { CALL_TABLES, RESERVED_TABLES, STANDARD_COLUMNS, USERS_TABLE } from './tables.ts'

/** One row for one table: column name → value (primitives, or arrays and objects for json). */
export interface MappedRow {
  table: string
  /** The row's key: the messageId (the userId in `users`). */
  id: string
  values: Map<string, unknown>
  /** Columns whose type is fixed whatever the value looks like (ids are strings, `sent_at` a timestamp). */
  fixed: ReadonlyMap<string, ColumnType>
}

/** The columns of fixed type in `users`. */
const USERS_FIXED: ReadonlyMap<string, ColumnType> = new Map([
  ['id', 'string'],
  ['received_at', 'timestamp'],
])

/** Nested objects deeper than this are stored as one json column. */
const MAX_DEPTH = 10

type Json = Record<string, unknown>

/**
 * Maps one event to its rows, in the shape Segment and RudderStack load: a row in the call
 * type's table (`tracks`, `identifies`, `pages`, `screens`, `groups`, `aliases`), a row in
 * the event's own table for a track (`order_completed`), and a row in `users` for an
 * identify with a userId. Top-level fields are snake_case columns; `context` is flattened
 * into `context_*` columns; properties and traits into columns of their own; nested
 * objects with `_`; arrays stay whole (json).
 */
export function mapEvent(event: PatchbayEvent, dialect: Dialect): MappedRow[] {
  const e = event as unknown as Json
  const id = String(e.messageId ?? '')
  const base = new Map<string, unknown>()
  const taken = new Map<string, string>()
  const fixed = new Map<string, ColumnType>()
  // A common column is the event's own, present or not: a property of the same name keeps
  // apart even when the event lacks the field (an anonymous track's `properties.user_id`
  // must not fill `user_id`, nor type it as an int).
  const put = (column: string, value: unknown) => {
    taken.set(column, `$${column}`)
    fixed.set(column, STANDARD_COLUMNS[column] ?? 'string')
    if (value !== null && value !== undefined) base.set(column, value)
  }
  put('id', id)
  put('anonymous_id', e.anonymousId)
  put('user_id', e.userId)
  put('timestamp', e.timestamp)
  put('original_timestamp', e.originalTimestamp ?? e.timestamp)
  put('sent_at', e.sentAt)
  put('received_at', e.receivedAt)
  // `context.patchbay.identity` is for the identity tables (identity-tables.ts), not a column.
  flattenInto(base, taken, withoutIdentityStamp(e.context), 'context', dialect, 'context')
  // The gateway's `request_ip` (the client's address) is the context's ip when the SDK sent
  // none, as the webhook destination fills it and RudderStack's and Segment's loaders do.
  if (typeof e.request_ip === 'string' && e.request_ip !== '' && !base.has('context_ip')) {
    base.set('context_ip', e.request_ip)
    taken.set('context_ip', 'context.ip')
  }

  const withFields = (fields: Json | undefined, from: string, extra: Array<[string, unknown]> = []) => {
    const values = new Map(base)
    const names = new Map(taken)
    for (const [column, value] of extra) {
      names.set(column, `$${column}`)
      fixed.set(column, STANDARD_COLUMNS[column] ?? 'string')
      if (value !== null && value !== undefined) values.set(column, value)
    }
    flattenInto(values, names, fields, '', dialect, from)
    return values
  }
  const call = event.type
  switch (call) {
    case 'track': {
      const name = String(e.event ?? '')
      let table = normalizeIdentifier(name, dialect)
      if (RESERVED_TABLES.has(table)) table = `_${table}`
      const extra: Array<[string, unknown]> = [
        ['event', table],
        ['event_text', name],
      ]
      const own = withFields(e.properties as Json, 'properties', extra)
      const tracks = new Map(base)
      for (const [c, v] of extra) tracks.set(c, v)
      return [
        { table: CALL_TABLES.track, id, values: tracks, fixed },
        { table, id, values: own, fixed },
      ]
    }
    case 'identify': {
      const traits = { ...((e.context as Json | undefined)?.traits as Json), ...(e.traits as Json) }
      const rows: MappedRow[] = [
        { table: CALL_TABLES.identify, id, values: withFields(traits, 'traits'), fixed },
      ]
      if (typeof e.userId === 'string' && e.userId !== '') {
        const user = new Map<string, unknown>([['id', e.userId]])
        const names = new Map([
          ['id', '$id'],
          ['received_at', '$received_at'],
        ])
        if (e.receivedAt !== undefined) user.set('received_at', e.receivedAt)
        flattenInto(user, names, traits, '', dialect, 'traits')
        // Only `id` and `received_at` are fixed here: a trait called `timestamp` is a trait.
        rows.push({ table: USERS_TABLE, id: e.userId, values: user, fixed: USERS_FIXED })
      }
      return rows
    }
    case 'page':
    case 'screen':
      return [
        {
          table: CALL_TABLES[call],
          id,
          values: withFields(e.properties as Json, 'properties', [
            ['name', e.name],
            ['category', e.category],
          ]),
          fixed,
        },
      ]
    case 'group':
      return [
        {
          table: CALL_TABLES.group,
          id,
          values: withFields(e.traits as Json, 'traits', [['group_id', e.groupId]]),
          fixed,
        },
      ]
    case 'alias':
      return [
        {
          table: CALL_TABLES.alias,
          id,
          values: withFields(undefined, '', [['previous_id', e.previousId]]),
          fixed,
        },
      ]
    default:
      return []
  }
}

/**
 * Flattens an object into columns: `prefix_key_nested`, each full path normalised once. A
 * path whose column another key already took (`firstName` and `first_name` in one object,
 * or a property called `timestamp`) gets a stable suffix from its own path instead.
 */
function flattenInto(
  values: Map<string, unknown>,
  taken: Map<string, string>,
  object: unknown,
  prefix: string,
  dialect: Dialect,
  path: string,
  depth = 0,
): void {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return
  for (const key of Object.keys(object).sort()) {
    const value = (object as Json)[key]
    if (value === null || value === undefined) continue
    const raw = prefix ? `${prefix}_${key}` : key
    const keyPath = path ? `${path}.${key}` : key
    if (typeof value === 'object' && !Array.isArray(value) && depth < MAX_DEPTH) {
      if (Object.keys(value).length > 0) flattenInto(values, taken, value, raw, dialect, keyPath, depth + 1)
      continue
    }
    let column = normalizeIdentifier(raw, dialect)
    const owner = taken.get(column)
    if (owner !== undefined && owner !== keyPath) column = deconflict(column, keyPath, dialect)
    values.set(column, value)
    taken.set(column, keyPath)
  }
}

/** `context` without `patchbay.identity` (a copy only when it has one). */
function withoutIdentityStamp(context: unknown): unknown {
  const patchbay = (context as Json | undefined)?.patchbay as Json | undefined
  if (typeof patchbay !== 'object' || patchbay === null || !('identity' in patchbay)) return context
  const { identity: _, ...rest } = patchbay
  return { ...(context as Json), patchbay: rest }
}
