import type { PatchbayEvent } from '@patchbay/protocol'
import { type ColumnPath, childPath, rootPath, sortedKeys } from './_column-paths.ts'
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

/** The common columns: every call's row has them, with their types fixed. */
const COMMON_COLUMNS = [
  'id',
  'anonymous_id',
  'user_id',
  'timestamp',
  'original_timestamp',
  'sent_at',
  'received_at',
] as const

/** The columns of fixed type in each call's rows: the common ones, then the call's own. */
const fixedOf = (own: string[]): ReadonlyMap<string, ColumnType> =>
  new Map([...COMMON_COLUMNS, ...own].map((c) => [c, STANDARD_COLUMNS[c] ?? 'string']))
const FIXED: Readonly<Record<string, ReadonlyMap<string, ColumnType>>> = {
  track: fixedOf(['event', 'event_text']),
  identify: fixedOf([]),
  page: fixedOf(['name', 'category']),
  screen: fixedOf(['name', 'category']),
  group: fixedOf(['group_id']),
  alias: fixedOf(['previous_id']),
}
const NO_FIXED = fixedOf([])

/** Who owns a standard column in the collision check: `$id` (no key path starts with `$`). */
const OWNERS = new Map(Object.keys(STANDARD_COLUMNS).map((c) => [c, `$${c}`]))
const ownerOf = (column: string) => OWNERS.get(column) ?? `$${column}`

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
  return mapEventParts(event, dialect).map(({ table, id, parts, fixed }) => ({
    table,
    id,
    values: new Map(parts.flatMap((part) => [...part])),
    fixed,
  }))
}

/**
 * A mapped row as the load planner reads it: its values in parts that rows share (the
 * common columns and `context_*` are one part for both rows of a track), so that no part
 * is copied per row. The parts' columns never overlap; in order, they are the row's
 * columns in {@link MappedRow.values} order.
 */
export interface RowParts extends Omit<MappedRow, 'values'> {
  parts: ReadonlyArray<ReadonlyMap<string, unknown>>
}

/** {@link mapEvent}, with each row's values in parts (see {@link RowParts}). */
export function mapEventParts(event: PatchbayEvent, dialect: Dialect): RowParts[] {
  const e = event as unknown as Json
  const id = String(e.messageId ?? '')
  const base = new Map<string, unknown>()
  const taken = new Map<string, string>()
  const fixed = FIXED[event.type] ?? NO_FIXED
  // A common column is the event's own, present or not: a property of the same name keeps
  // apart even when the event lacks the field (an anonymous track's `properties.user_id`
  // must not fill `user_id`, nor type it as an int).
  const put = (column: string, value: unknown) => {
    taken.set(column, ownerOf(column))
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
  flattenInto(base, taken, undefined, withoutIdentityStamp(e.context), 'context', dialect, 'context')
  // The gateway's `request_ip` (the client's address) is the context's ip when the SDK sent
  // none, as the webhook destination fills it and RudderStack's and Segment's loaders do.
  if (typeof e.request_ip === 'string' && e.request_ip !== '' && !base.has('context_ip')) {
    base.set('context_ip', e.request_ip)
    taken.set('context_ip', 'context.ip')
  }

  /** The call's own columns (`event`, `name`, …): their values, and the names they take. */
  const ownColumns = (extra: Array<[string, unknown]>) => {
    const values = new Map<string, unknown>()
    const names = new Map<string, string>()
    for (const [column, value] of extra) {
      names.set(column, ownerOf(column))
      if (value !== null && value !== undefined) values.set(column, value)
    }
    return { values, names }
  }
  /** The call's own columns and then `fields` flattened, as one part. */
  const ownPart = (fields: unknown, from: string, extra: Array<[string, unknown]> = []) => {
    const own = ownColumns(extra)
    flattenInto(own.values, own.names, taken, fields, '', dialect, from)
    return own.values
  }
  const call = event.type
  switch (call) {
    case 'track': {
      const name = String(e.event ?? '')
      let table = normalizeIdentifier(name, dialect)
      if (RESERVED_TABLES.has(table)) table = `_${table}`
      // `tracks` gets the call's own columns; the event's table those and the properties.
      const own = ownColumns([
        ['event', table],
        ['event_text', name],
      ])
      const properties = new Map<string, unknown>()
      flattenInto(properties, own.names, taken, e.properties, '', dialect, 'properties')
      return [
        { table: CALL_TABLES.track, id, parts: [base, own.values], fixed },
        { table, id, parts: [base, own.values, properties], fixed },
      ]
    }
    case 'identify': {
      const traits = { ...((e.context as Json | undefined)?.traits as Json), ...(e.traits as Json) }
      const rows: RowParts[] = [
        { table: CALL_TABLES.identify, id, parts: [base, ownPart(traits, 'traits')], fixed },
      ]
      // A userId of only whitespace names no user (RudderStack makes no users row for it either).
      if (typeof e.userId === 'string' && e.userId.trim() !== '') {
        const user = new Map<string, unknown>([['id', e.userId]])
        const names = new Map([
          ['id', ownerOf('id')],
          ['received_at', ownerOf('received_at')],
        ])
        if (e.receivedAt !== undefined) user.set('received_at', e.receivedAt)
        flattenInto(user, names, undefined, traits, '', dialect, 'traits')
        // Only `id` and `received_at` are fixed here: a trait called `timestamp` is a trait.
        rows.push({ table: USERS_TABLE, id: e.userId, parts: [user], fixed: USERS_FIXED })
      }
      return rows
    }
    case 'page':
    case 'screen': {
      const own = ownPart(e.properties, 'properties', [
        ['name', e.name],
        ['category', e.category],
      ])
      return [{ table: CALL_TABLES[call], id, parts: [base, own], fixed }]
    }
    case 'group': {
      const own = ownPart(e.traits, 'traits', [['group_id', e.groupId]])
      return [{ table: CALL_TABLES.group, id, parts: [base, own], fixed }]
    }
    case 'alias':
      // An alias's traits are columns of `aliases`, as in RudderStack's and Segment's loads.
      return [
        {
          table: CALL_TABLES.alias,
          id,
          parts: [base, ownPart(e.traits, 'traits', [['previous_id', e.previousId]])],
          fixed,
        },
      ]
    default:
      return []
  }
}

/**
 * Flattens an object into columns: `prefix_key_nested`, each full path normalised once (the
 * paths are cached: `_column-paths.ts`). A path whose column another key already took
 * (`firstName` and `first_name` in one object, or a property called `timestamp`) gets a
 * stable suffix from its own path instead.
 */
function flattenInto(
  values: Map<string, unknown>,
  taken: Map<string, string>,
  /** Columns taken before this part (the common ones and `context_*`), read only. */
  before: ReadonlyMap<string, string> | undefined,
  object: unknown,
  prefix: string,
  dialect: Dialect,
  path: string,
): void {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return
  flattenAt(values, taken, before, object, rootPath(prefix, path, dialect), dialect, 0)
}

function flattenAt(
  values: Map<string, unknown>,
  taken: Map<string, string>,
  before: ReadonlyMap<string, string> | undefined,
  object: object,
  at: ColumnPath,
  dialect: Dialect,
  depth: number,
): void {
  for (const key of sortedKeys(at, object)) {
    const value = (object as Json)[key]
    if (value === null || value === undefined) continue
    const child = childPath(at, key, dialect)
    if (typeof value === 'object' && !Array.isArray(value) && depth < MAX_DEPTH) {
      if (hasKeys(value)) flattenAt(values, taken, before, value, child, dialect, depth + 1)
      continue
    }
    let column = child.column
    const owner = taken.get(column) ?? before?.get(column)
    if (owner !== undefined && owner !== child.path) column = deconflict(column, child.path, dialect)
    values.set(column, value)
    taken.set(column, child.path)
  }
}

/** Whether an object has an own enumerable key, without listing them. */
function hasKeys(object: object): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return true
  return false
}

/** `context` without `patchbay.identity` (a copy only when it has one). */
function withoutIdentityStamp(context: unknown): unknown {
  const patchbay = (context as Json | undefined)?.patchbay as Json | undefined
  if (typeof patchbay !== 'object' || patchbay === null || !('identity' in patchbay)) return context
  const { identity: _, ...rest } = patchbay
  return { ...(context as Json), patchbay: rest }
}
