import type { Dialect } from './dialect.ts'
import { normalizeIdentifier } from './identifiers.ts'
import { IDENTITY_MAPPINGS_TABLE, IDENTITY_REJECTIONS_TABLE, IDENTITY_TABLES } from './identity-tables.ts'
import type { WarehouseSchema } from './load-plan.ts'
import { qualified } from './sql.ts'
import { CALL_TABLES, DISCARDS_TABLE, USERS_TABLE } from './tables.ts'

/** One identifier of a user, as a regulation names it (`userId`, `anonymousId`, or a trait). */
export interface WarehouseUserIdentifier {
  type: string
  value: string
}

/** A statement with its parameters (`$1`, `$2` ...): identifiers are never in the SQL text. */
export interface BoundStatement {
  sql: string
  params: string[]
}

/**
 * The statements that delete a user's rows from every table of a warehouse schema, to run
 * in one transaction, in order:
 * - in every table: rows whose `user_id` is a `userId`, whose `anonymous_id` is an
 *   `anonymousId`, or whose `context_traits_<trait>` is a trait value (`email`);
 * - in `identifies` and `users`, also the trait's own column (`email`); `users` rows whose
 *   `id` is the userId; `aliases` rows whose `previous_id` is a userId or an anonymousId;
 * - in `patchbay_discards`, the values recorded for those rows (first, while the rows that
 *   name them still exist);
 * - in `identity_mappings` the rows of these ids, in `identity_merge_rejections` the links
 *   that name one.
 * Tables without a matching column are left alone. Running the statements again deletes
 * nothing more: a retry after a partial failure is safe.
 *
 * @example
 * for (const { sql, params } of deleteUsersSql(schema, [{ type: 'userId', value: 'u1' }], postgresDialect, 'events'))
 *   await client.query(sql, params)
 */
export function deleteUsersSql(
  schema: WarehouseSchema,
  identifiers: readonly WarehouseUserIdentifier[],
  dialect: Dialect,
  schemaName?: string,
): BoundStatement[] {
  const byColumn = (table: string): Map<string, string[]> => {
    const out = new Map<string, string[]>()
    const add = (column: string, value: string) => {
      const list = out.get(column)
      if (list === undefined) out.set(column, [value])
      else if (!list.includes(value)) list.push(value)
    }
    for (const { type, value } of identifiers) {
      if (type === 'userId' || type === 'anonymousId') {
        add(type === 'userId' ? 'user_id' : 'anonymous_id', value)
        if (table === CALL_TABLES.alias) add('previous_id', value)
        if (table === USERS_TABLE && type === 'userId') add('id', value)
        continue
      }
      add(normalizeIdentifier(`context_traits_${type}`, dialect), value)
      if (table === CALL_TABLES.identify || table === USERS_TABLE)
        add(normalizeIdentifier(type, dialect), value)
    }
    return out
  }
  const statements: BoundStatement[] = []
  const deletes: BoundStatement[] = []
  for (const [table, columns] of [...schema].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (table === DISCARDS_TABLE || IDENTITY_TABLES.has(table)) continue
    const params: string[] = []
    const terms: string[] = []
    for (const [column, values] of byColumn(table)) {
      const type = columns.get(column)
      if (type === undefined) continue
      const name =
        type === 'string'
          ? dialect.quote(column)
          : `CAST(${dialect.quote(column)} AS ${dialect.sqlType('string')})`
      const slots = values.map((v) => {
        params.push(v)
        return `$${params.length}`
      })
      terms.push(`${name} IN (${slots.join(', ')})`)
    }
    if (terms.length === 0) continue
    const where = terms.join(' OR ')
    const target = qualified(table, dialect, schemaName)
    if (schema.has(DISCARDS_TABLE) && columns.has('id'))
      statements.push({
        sql: `DELETE FROM ${qualified(DISCARDS_TABLE, dialect, schemaName)} WHERE "table_name" = $${params.length + 1} AND "row_id" IN (SELECT CAST("id" AS ${dialect.sqlType('string')}) FROM ${target} WHERE ${where})`,
        params: [...params, table],
      })
    deletes.push({ sql: `DELETE FROM ${target} WHERE ${where}`, params })
  }
  // The identity tables: the mappings of these ids, and the rejected links that name one.
  const pairs = identifiers.map(({ type, value }) => [type, value])
  const match = (typeColumn: string, idColumn: string, from: number) =>
    pairs
      .map((_, k) => `("${typeColumn}" = $${from + 2 * k + 1} AND "${idColumn}" = $${from + 2 * k + 2})`)
      .join(' OR ')
  if (pairs.length > 0 && schema.has(IDENTITY_MAPPINGS_TABLE))
    deletes.push({
      sql: `DELETE FROM ${qualified(IDENTITY_MAPPINGS_TABLE, dialect, schemaName)} WHERE ${match('id_type', 'id', 0)}`,
      params: pairs.flat(),
    })
  if (pairs.length > 0 && schema.has(IDENTITY_REJECTIONS_TABLE))
    deletes.push({
      sql: `DELETE FROM ${qualified(IDENTITY_REJECTIONS_TABLE, dialect, schemaName)} WHERE ${match('id_type_a', 'id_a', 0)} OR ${match('id_type_b', 'id_b', 2 * pairs.length)}`,
      params: [...pairs.flat(), ...pairs.flat()],
    })
  return [...statements, ...deletes]
}
