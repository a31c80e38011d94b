import { deleteUsersSql, duckdbDialect, type WarehouseUserIdentifier } from '@patchbay/warehouse'
import { closeGroup } from './_load-group.ts'
import { readSchema } from './_loader.ts'
import type { DuckdbClient } from './destination.ts'

/**
 * Deletes the users' rows from every table of the schema (see `deleteUsersSql`), in one
 * transaction, after the loads already waiting (DuckDB has one writer); a batch that arrives
 * later is loaded after it. The tables are read from the file, not the load cache, so a
 * table another process made is covered too.
 */
export function deleteUsers(client: DuckdbClient, identifiers: readonly WarehouseUserIdentifier[]) {
  closeGroup(client)
  const run = client.queue.then(async () => {
    const { connection } = client
    const schema = await readSchema(connection, client.schemaName)
    const statements = deleteUsersSql(schema, identifiers, duckdbDialect, client.schemaName)
    if (statements.length === 0) return
    await connection.run('BEGIN TRANSACTION')
    try {
      for (const { sql, params } of statements) await connection.run(sql, params)
      await connection.run('COMMIT')
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => undefined)
      throw error
    }
  })
  client.queue = run.catch(() => undefined)
  return run
}
