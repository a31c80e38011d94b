import { deleteUsersSql, postgresDialect, type WarehouseUserIdentifier } from '@patchbay/warehouse'
import { readSchema } from './_loader.ts'
import type { PostgresClient } from './destination.ts'

/**
 * Deletes the users' rows from every table of the schema (see `deleteUsersSql`) in one
 * transaction, holding the loads' advisory lock so no load changes the schema meanwhile.
 * The tables are read inside the transaction, not from the load cache.
 */
export async function deleteUsers(client: PostgresClient, identifiers: readonly WarehouseUserIdentifier[]) {
  const connection = await client.pool.connect()
  const ignore = () => undefined
  connection.on('error', ignore)
  let failed: Error | undefined
  try {
    await connection.query('BEGIN')
    try {
      await connection.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `patchbay.warehouse.${client.schemaName}`,
      ])
      const schema = await readSchema(connection, client.schemaName)
      for (const { sql, params } of deleteUsersSql(schema, identifiers, postgresDialect, client.schemaName))
        await connection.query(sql, params)
      await connection.query('COMMIT')
    } catch (error) {
      await connection.query('ROLLBACK').catch(() => undefined)
      throw error
    }
  } catch (error) {
    failed = error instanceof Error ? error : new Error(String(error))
    throw error
  } finally {
    connection.off('error', ignore)
    connection.release(failed)
  }
}
