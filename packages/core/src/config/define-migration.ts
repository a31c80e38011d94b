import type { Static, TSchema } from 'typebox'
import type { ConfigMigrations } from '../plugin/manifest.ts'

/**
 * Types a config migration by the two schemas it goes between: `previous` is the old
 * major's config (keep its schema next to the new one, e.g. in `src/_config-v1.ts`), and the
 * return value must be a config of the new schema. Returns the function unchanged.
 *
 * @example
 * const V1 = Type.Object({ url: Type.String(), token: Secret(Type.String()) })
 * const config = Type.Object({ endpoint: Type.String(), auth: Type.Object({ token: Secret(Type.String()) }) })
 * defineDestination({ ..., config, migrations: { 2: defineMigration(V1, config, (v1) => ({ endpoint: v1.url, auth: { token: v1.token } })) } })
 */
export function defineMigration<From extends TSchema, To extends TSchema>(
  _from: From,
  _to: To,
  migrate: (previous: Static<From>) => Static<To>,
): ConfigMigrations[number] {
  return migrate as unknown as ConfigMigrations[number]
}
