import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { type AnyPlugin, isPlugin, PluginRegistry } from '@patchbay/core'
import { defineCommand } from 'citty'
import { aboutJson, aboutMarkdown } from '../_about.ts'
import { loadConnector } from '../_connector-dir.ts'
import { EXIT, UsageError } from '../_exit.ts'
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

/**
 * `patchbay plugins --about <plugin>`: a plugin's settings documented from its TypeBox
 * config (the Singer SDK's `--about`): type, required, default, secret, description. The
 * plugin is an installed package (`name` or `name@range`) or a connector folder.
 */
export async function aboutPlugin(
  options: { cwd: string; about: string; format: string },
  output: Output = processOutput,
): Promise<number> {
  if (options.format !== 'md' && options.format !== 'json')
    throw new UsageError(`--format is md or json, got ${JSON.stringify(options.format)}`)
  const folder = resolve(options.cwd, options.about)
  const plugin = existsSync(join(folder, 'package.json'))
    ? ((await loadConnector(folder)).plugin as AnyPlugin)
    : (await new PluginRegistry({ cwd: options.cwd }).resolve(options.about, { baseDir: options.cwd })).plugin
  if (!isPlugin(plugin)) throw new UsageError(`${options.about} does not default-export a Patchbay plugin`)
  output.out(options.format === 'json' ? JSON.stringify(aboutJson(plugin), null, 2) : aboutMarkdown(plugin))
  return EXIT.ok
}

export default defineCommand({
  meta: {
    name: 'plugins',
    description: `List the Patchbay plugins installed in this project (every major, npm aliases included), or document one's settings.

Examples:
  patchbay plugins
  patchbay plugins --json
  patchbay plugins --about @patchbay/destination-webhook            its settings as Markdown
  patchbay plugins --about connectors/source-webhook --format json  a connector folder, as JSON`,
  },
  args: {
    json: { type: 'boolean', description: 'Print JSON' },
    cwd: { type: 'string', description: 'Project folder to look from', default: '.' },
    about: {
      type: 'string',
      description: "Document this plugin's settings (an installed name@range, or a connector folder)",
    },
    format: { type: 'string', description: 'With --about: md (default) or json', default: 'md' },
  },
  async run({ args }) {
    process.exitCode = args.about
      ? await aboutPlugin({ cwd: args.cwd, about: args.about, format: args.json ? 'json' : args.format })
      : listPlugins({ cwd: args.cwd, json: args.json })
  },
})
