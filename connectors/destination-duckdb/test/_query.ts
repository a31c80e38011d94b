import { DuckDBInstance } from '@duckdb/node-api'

/** Reads the file with a DuckDB instance of its own, once the destination has closed it. */
export async function query(file: string, sql: string) {
  const instance = await DuckDBInstance.create(file)
  const connection = await instance.connect()
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson()
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}
