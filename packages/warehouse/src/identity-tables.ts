import type { PatchbayEvent } from '@patchbay/protocol'
import type { ColumnType } from './column-type.ts'
import type { Dialect } from './dialect.ts'
import type { SchemaChange, WarehouseSchema } from './load-plan.ts'
import { qualified } from './sql.ts'

/** Every identifier the identity graph knows, and its person's canonical id. */
export const IDENTITY_MAPPINGS_TABLE = 'identity_mappings'
/** People absorbed by a merge: `from_id` (a canonical id) now belongs to `to_id`. */
export const IDENTITY_MERGES_TABLE = 'identity_merges'
/** Links the graph did not merge: a cap, or a blocklisted identifier. */
export const IDENTITY_REJECTIONS_TABLE = 'identity_merge_rejections'

const IDENTITY_COLUMNS: Record<string, { columns: Array<[string, ColumnType]>; key: string[] }> = {
  [IDENTITY_MAPPINGS_TABLE]: {
    columns: [
      ['id_type', 'string'],
      ['id', 'string'],
      ['canonical_id', 'string'],
      ['updated_at', 'timestamp'],
    ],
    key: ['id_type', 'id'],
  },
  [IDENTITY_MERGES_TABLE]: {
    columns: [
      ['from_id', 'string'],
      ['to_id', 'string'],
      ['updated_at', 'timestamp'],
    ],
    key: ['from_id'],
  },
  [IDENTITY_REJECTIONS_TABLE]: {
    columns: [
      ['id_type_a', 'string'],
      ['id_a', 'string'],
      ['id_type_b', 'string'],
      ['id_b', 'string'],
      ['status', 'string'],
      ['reason', 'string'],
      ['message_id', 'string'],
      ['rejected_at', 'timestamp'],
    ],
    key: ['id_type_a', 'id_a', 'id_type_b', 'id_b'],
  },
}

/** Runs one bound statement; answers its rows (as arrays) and how many rows it changed. */
export type Execute = (sql: string, params: unknown[]) => Promise<{ rows: unknown[][]; changed: number }>

interface Id {
  type: string
  value: string
}
/** `context.patchbay.identity`, as the identity stage stamps it (see docs/identity.md). */
interface Stamp {
  canonicalId: string
  at: string
  ids: Array<Id & { canonicalId: string }>
  merged?: Array<{ from: string; to: string }>
  rejected?: Array<{ a: Id; b: Id; status: string; reason: string; messageId: string }>
  cleared?: Array<{ a: Id; b: Id }>
}

const isId = (v: unknown): v is Id =>
  typeof (v as Id)?.type === 'string' && typeof (v as Id)?.value === 'string'

/** The identity stamp of an event, if it has a well-formed one. */
function stampOf(event: PatchbayEvent): Stamp | undefined {
  const s = (event.context as { patchbay?: { identity?: unknown } } | undefined)?.patchbay?.identity as
    | Stamp
    | undefined
  if (typeof s !== 'object' || s === null || typeof s.at !== 'string' || !Array.isArray(s.ids))
    return undefined
  return s
}

/** Rows per statement: 4 to 8 parameters a row stays far under both engines' limits. */
const CHUNK = 500

/**
 * Keeps the identity tables in step with the identity graph, from the identity stamps of a
 * batch (`context.patchbay.identity`), inside the load's transaction:
 * - `identity_mappings` (id_type, id, canonical_id, updated_at): every id upserted with its
 *   canonical id, a newer stamp winning over an older one (`updated_at`);
 * - `identity_merges` (from_id, to_id, updated_at): each merge recorded; then every mapping of
 *   an absorbed canonical id (followed through the whole chain of merges, so merges applied out
 *   of order end the same) is moved to the survivor, ids not seen again included;
 * - `identity_merge_rejections`: each rejected or blocked link upserted, each cleared one deleted.
 * Identifiers are bound as parameters. Answers the tables it created, for the cached schema.
 */
export async function applyIdentityStamps(
  events: readonly PatchbayEvent[],
  {
    dialect,
    schema,
    schemaName,
    execute,
  }: {
    dialect: Dialect
    schema: WarehouseSchema
    schemaName?: string
    execute: Execute
  },
): Promise<SchemaChange[]> {
  const stamps = events.map(stampOf).filter((s): s is Stamp => s !== undefined)
  if (stamps.length === 0) return []
  const q = dialect.quote
  const table = (name: string) => qualified(name, dialect, schemaName)
  const ts = `CAST(? AS ${dialect.sqlType('timestamp')})`
  const changes: SchemaChange[] = []
  for (const [name, { columns, key }] of Object.entries(IDENTITY_COLUMNS)) {
    if (schema.has(name)) continue
    const cols = columns.map(([c, t]) => `${q(c)} ${dialect.sqlType(t)}`).join(', ')
    await execute(
      `CREATE TABLE IF NOT EXISTS ${table(name)} (${cols}, PRIMARY KEY (${key.map(q).join(', ')}))`,
      [],
    )
    changes.push({ table: name, create: true, columns })
  }

  // The batch's changes, the newest stamp winning (stamps may arrive out of order).
  const mappings = new Map<string, [string, string, string, string]>()
  const merges = new Map<string, [string, string, string]>()
  const rejected = new Map<string, [string, string, string, string, string, string, string, string]>()
  const cleared = new Map<string, [string, string, string, string, string]>()
  const pair = (a: Id, b: Id): [Id, Id] =>
    `${a.type}:${a.value}` <= `${b.type}:${b.value}` ? [a, b] : [b, a]
  const newer = (at: string, old: string | undefined) => old === undefined || at >= old
  for (const s of stamps) {
    for (const id of s.ids) {
      if (!isId(id) || typeof id.canonicalId !== 'string') continue
      const k = `${id.type}\u0000${id.value}`
      if (newer(s.at, mappings.get(k)?.[3])) mappings.set(k, [id.type, id.value, id.canonicalId, s.at])
    }
    for (const m of s.merged ?? [])
      if (typeof m?.from === 'string' && typeof m?.to === 'string' && newer(s.at, merges.get(m.from)?.[2]))
        merges.set(m.from, [m.from, m.to, s.at])
    for (const r of s.rejected ?? []) {
      if (!isId(r?.a) || !isId(r?.b)) continue
      const [a, b] = pair(r.a, r.b)
      const k = `${a.type}\u0000${a.value}\u0000${b.type}\u0000${b.value}`
      if (!newer(s.at, cleared.get(k)?.[4]) || !newer(s.at, rejected.get(k)?.[7])) continue
      cleared.delete(k)
      rejected.set(k, [
        a.type,
        a.value,
        b.type,
        b.value,
        String(r.status),
        String(r.reason),
        String(r.messageId),
        s.at,
      ])
    }
    for (const r of s.cleared ?? []) {
      if (!isId(r?.a) || !isId(r?.b)) continue
      const [a, b] = pair(r.a, r.b)
      const k = `${a.type}\u0000${a.value}\u0000${b.type}\u0000${b.value}`
      if (!newer(s.at, rejected.get(k)?.[7])) continue
      rejected.delete(k)
      cleared.set(k, [a.type, a.value, b.type, b.value, s.at])
    }
  }

  const M = table(IDENTITY_MAPPINGS_TABLE)
  const G = table(IDENTITY_MERGES_TABLE)
  const R = table(IDENTITY_REJECTIONS_TABLE)
  // Merges first: a survivor seen merged again is alive, so an older merge that absorbed it goes.
  for (const [from, to, at] of merges.values()) {
    await execute(...bind(`DELETE FROM ${G} WHERE "from_id" = ? AND "updated_at" <= ${ts}`, [to, at]))
    await execute(
      ...bind(
        `INSERT INTO ${G} ("from_id", "to_id", "updated_at") VALUES (?, ?, ${ts}) ON CONFLICT ("from_id") DO UPDATE SET "to_id" = EXCLUDED."to_id", "updated_at" = EXCLUDED."updated_at" WHERE EXCLUDED."updated_at" >= ${q(IDENTITY_MERGES_TABLE)}."updated_at"`,
        [from, to, at],
      ),
    )
  }
  // Where every canonical id of the batch ends, through the merges recorded so far.
  const next = new Map<string, string>()
  let frontier = new Set<string>([...mappings.values()].map((m) => m[2]))
  for (const [from, to] of merges.values()) frontier.add(from).add(to)
  const asked = new Set<string>()
  while (frontier.size > 0) {
    const ids = [...frontier].filter((c) => !asked.has(c))
    frontier = new Set()
    for (let i = 0; i < ids.length; i += CHUNK) {
      const part = ids.slice(i, i + CHUNK)
      for (const c of part) asked.add(c)
      const { rows } = await execute(
        ...bind(
          `SELECT "from_id", "to_id" FROM ${G} WHERE "from_id" IN (${part.map(() => '?').join(', ')})`,
          part,
        ),
      )
      for (const [from, to] of rows as Array<[string, string]>) {
        next.set(from, to)
        if (!asked.has(to)) frontier.add(to)
      }
    }
  }
  const final = (c: string) => {
    const seen = new Set<string>()
    while (next.has(c) && !seen.has(c)) {
      seen.add(c)
      c = next.get(c)!
    }
    return c
  }

  const rows = [...mappings.values()].map(([t, v, c, at]) => [t, v, final(c), at])
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK)
    await execute(
      ...bind(
        `INSERT INTO ${M} ("id_type", "id", "canonical_id", "updated_at") VALUES ${part.map(() => `(?, ?, ?, ${ts})`).join(', ')} ON CONFLICT ("id_type", "id") DO UPDATE SET "canonical_id" = EXCLUDED."canonical_id", "updated_at" = EXCLUDED."updated_at" WHERE EXCLUDED."updated_at" >= ${q(IDENTITY_MAPPINGS_TABLE)}."updated_at"`,
        part.flat(),
      ),
    )
  }
  // Every mapping of an absorbed canonical id moves to its survivor, seen in this batch or not.
  let latest = ''
  for (const s of stamps) if (s.at > latest) latest = s.at
  for (const absorbed of next.keys()) {
    const survivor = final(absorbed)
    if (survivor === absorbed) continue
    await execute(
      ...bind(
        `UPDATE ${M} SET "canonical_id" = ?, "updated_at" = GREATEST("updated_at", ${ts}) WHERE "canonical_id" = ?`,
        [survivor, latest, absorbed],
      ),
    )
  }

  const rejectedRows = [...rejected.values()]
  for (let i = 0; i < rejectedRows.length; i += CHUNK) {
    const part = rejectedRows.slice(i, i + CHUNK)
    await execute(
      ...bind(
        `INSERT INTO ${R} ("id_type_a", "id_a", "id_type_b", "id_b", "status", "reason", "message_id", "rejected_at") VALUES ${part.map(() => `(?, ?, ?, ?, ?, ?, ?, ${ts})`).join(', ')} ON CONFLICT ("id_type_a", "id_a", "id_type_b", "id_b") DO UPDATE SET "status" = EXCLUDED."status", "reason" = EXCLUDED."reason", "message_id" = EXCLUDED."message_id", "rejected_at" = EXCLUDED."rejected_at" WHERE EXCLUDED."rejected_at" >= ${q(IDENTITY_REJECTIONS_TABLE)}."rejected_at"`,
        part.flat(),
      ),
    )
  }
  for (const [ta, a, tb, b, at] of cleared.values())
    await execute(
      ...bind(
        `DELETE FROM ${R} WHERE "id_type_a" = ? AND "id_a" = ? AND "id_type_b" = ? AND "id_b" = ? AND "rejected_at" <= ${ts}`,
        [ta, a, tb, b, at],
      ),
    )
  return changes
}

/**
 * `?` placeholders numbered `$1, $2, ...` in order (both engines take numbered parameters);
 * a `?` inside a quoted name (a schema called `a?b`) stays.
 */
function bind(sql: string, params: unknown[]): [string, unknown[]] {
  let n = 0
  return [sql.replace(/"(?:[^"]|"")*"|\?/g, (m) => (m === '?' ? `$${++n}` : m)), params]
}

/** The identity tables, with the columns that name an identifier (for deleting a user's). */
export const IDENTITY_TABLES: ReadonlySet<string> = new Set(Object.keys(IDENTITY_COLUMNS))
