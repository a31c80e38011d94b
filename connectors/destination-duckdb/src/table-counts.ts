import { DuckDBInstance } from '@duckdb/node-api'

/**
 * Row counts per table of a warehouse file, largest first (what `patchbay warehouse`
 * prints). Opens the file read-only: DuckDB lets one process write a file at a time, so
 * stop the gateway that loads it first.
 *
 * @example
 * await tableCounts('./events.duckdb') // [{ table: 'tracks', rows: 120 }, ...]
 */
export async function tableCounts(
  path: string,
  schema = 'main',
): Promise<Array<{ table: string; rows: number }>> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' })
  const connection = await instance.connect()
  try {
    const tables = (
      await connection.runAndReadAll(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1",
        [schema],
      )
    ).getRows() as Array<[string]>
    const counts: Array<{ table: string; rows: number }> = []
    for (const [table] of tables) {
      const quoted = `"${schema.replaceAll('"', '""')}"."${table.replaceAll('"', '""')}"`
      const [[rows]] = (
        await connection.runAndReadAll(`SELECT count(*)::INTEGER FROM ${quoted}`)
      ).getRows() as [[number]]
      counts.push({ table, rows })
    }
    return counts.sort((a, b) => b.rows - a.rows || a.table.localeCompare(b.table))
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}
