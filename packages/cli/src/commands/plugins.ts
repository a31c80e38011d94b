import { PluginRegistry } from '@patchbay/core'
import { defineCommand } from 'citty'
import { EXIT } from '../_exit.ts'
import { color, type Output, processOutput } from '../_output.ts'

/** `patchbay plugins`: lists installed plugins, with versions and kinds. */
export function listPlugins(
  options: { cwd: string; json?: boolean },
  output: Output = processOutput,
): number {
  const rows = new PluginRegistry({ cwd: options.cwd }).list()
  if (options.json) {
    output.out(
      JSON.stringify(
        rows.map(({ name, version, kind, installName, location }) => ({
          name,
          version,
          kind,
          installName,
          location,
        })),
      ),
    )
    return EXIT.ok
  }
  if (rows.length === 0) {
    output.out(
      `No Patchbay plugins installed under ${options.cwd}. Install one, e.g. npm i @patchbay/destination-webhook`,
    )
    return EXIT.ok
  }
  const table = rows.map((r) => [
    r.name,
    r.version,
    r.kind,
    r.installName === r.name ? '' : `as ${r.installName}`,
  ])
  const widths = [0, 1, 2].map((i) =>
    Math.max(...table.map((row) => row[i]!.length), ['plugin', 'version', 'kind'][i]!.length),
  )
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell))
      .join('  ')
      .trimEnd()
  output.out(color.bold(line(['plugin', 'version', 'kind', ''])))
  for (const row of table) output.out(line(row))
  return EXIT.ok
}

export default defineCommand({
  meta: {
    name: 'plugins',
    description: `List the Patchbay plugins installed in this project (every major, npm aliases included).

Examples:
  patchbay plugins
  patchbay plugins --json`,
  },
  args: {
    json: { type: 'boolean', description: 'Print JSON' },
    cwd: { type: 'string', description: 'Project folder to look from', default: '.' },
  },
  run({ args }) {
    process.exitCode = listPlugins({ cwd: args.cwd, json: args.json })
  },
})
