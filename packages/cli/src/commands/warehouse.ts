import { existsSync } from 'node:fs'
import { defineCommand } from 'citty'
import { EXIT, UsageError } from '../_exit.ts'
import { type Output, processOutput } from '../_output.ts'

/** `patchbay warehouse <file>`: row counts per table of a DuckDB warehouse file. */
export async function warehouseCounts(
  options: { file: string; schema?: string; json?: boolean },
  output: Output = processOutput,
): Promise<number> {
  if (!existsSync(options.file))
    throw new UsageError(
      `${options.file} does not exist: start the gateway with \`patchbay serve --warehouse ${options.file}\` and send events first`,
    )
  const { tableCounts } = await import('@patchbay/destination-duckdb')
  let counts: Array<{ table: string; rows: number }>
  try {
    counts = await tableCounts(options.file, options.schema)
  } catch (error) {
    const message = (error as Error).message
    if (/lock/i.test(message))
      throw new UsageError(
        `${options.file} is open in another process (a running gateway?): DuckDB lets one process use a file at a time; stop the gateway, then run this again`,
      )
    throw error
  }
  if (options.json) output.out(JSON.stringify(counts))
  else if (counts.length === 0) output.out(`${options.file} has no tables yet`)
  else {
    const width = Math.max(...counts.map((c) => c.table.length))
    output.out(counts.map((c) => `${c.table.padEnd(width)}  ${c.rows}`).join('\n'))
  }
  return EXIT.ok
}

export default defineCommand({
  meta: {
    name: 'warehouse',
    description: `Print the row count of every table in a DuckDB warehouse file.

Examples:
  patchbay serve --warehouse ./events.duckdb     # land events (Ctrl-C to stop)
  patchbay warehouse ./events.duckdb             # tracks 120, order_completed 40, ...`,
  },
  args: {
    file: { type: 'positional', description: 'The DuckDB file', required: true },
    schema: { type: 'string', description: 'Schema of the tables', default: 'main' },
    json: { type: 'boolean', description: 'Print JSON: [{ table, rows }]' },
  },
  async run({ args }) {
    process.exitCode = await warehouseCounts({
      file: args.file,
      schema: args.schema,
      json: args.json ?? false,
    })
  },
})
