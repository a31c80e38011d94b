import type { PatchbayEvent } from '@patchbay/protocol'
import type { Dialect } from './dialect.ts'
import { applyChanges, type LoadPlan, planLoad, type TableLoad, type WarehouseSchema } from './load-plan.ts'
import { USERS_TABLE } from './tables.ts'

/**
 * The `users` load of a batch, from only the identifies whose `identifies` row the merge
 * just inserted: an identify already loaded (an SDK's retry, which the gateway stamps with a
 * new `received_at`) changes nothing, so it never puts back the traits a newer identify
 * replaced. `load` (the plan's `users` load) as it is when every identify was new; undefined
 * when none was.
 *
 * @example
 * const users = usersOfInserted(plan, load, events, inserted, schema, postgresDialect)
 * if (users) await merge(users)
 */
export function usersOfInserted(
  plan: LoadPlan,
  load: TableLoad,
  events: readonly PatchbayEvent[],
  inserted: ReadonlySet<string>,
  schema: WarehouseSchema,
  dialect: Dialect,
): TableLoad | undefined {
  const identifies = events.filter((e) => e.type === 'identify')
  const fresh = identifies.filter((e) => inserted.has(String(e.messageId ?? '')))
  if (fresh.length === identifies.length) return load
  if (fresh.length === 0) return undefined
  // Planned against the batch's own view of `users` (its new columns with their types), so
  // each value fits or is discarded as in the whole batch's plan.
  const known: WarehouseSchema = new Map([[USERS_TABLE, new Map(schema.get(USERS_TABLE))]])
  applyChanges(
    known,
    plan.changes.filter((c) => c.table === USERS_TABLE),
  )
  return planLoad(fresh, known, dialect).tables.find((t) => t.table === USERS_TABLE)
}
