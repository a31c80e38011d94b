import { readFileSync } from 'node:fs'
import { type AnyPlugin, checkConnection } from '@patchbay/core'
import { defineCommand } from 'citty'
import { loadConnector } from '../_connector-dir.ts'
import { EXIT, UsageError } from '../_exit.ts'
import { color, type Output, processOutput } from '../_output.ts'

/**
 * `patchbay check [dir]`: tests a config against the real service through the connector's
 * `check` hook, before the first event fails. Secret values never appear in what it prints.
 */
export async function checkConnector(
  options: { dir: string; config?: string; json?: boolean },
  output: Output = processOutput,
): Promise<number> {
  const connector = await loadConnector(options.dir)
  if (!connector.isPlugin) throw new UsageError(`${connector.name} does not default-export a Patchbay plugin`)
  const plugin = connector.plugin as AnyPlugin
  let config: unknown = plugin.examples?.[0] ?? {}
  if (options.config)
    try {
      config = JSON.parse(readFileSync(options.config, 'utf8'))
    } catch (error) {
      throw new UsageError(`cannot read the config ${options.config} as JSON: ${(error as Error).message}`)
    }
  const result = await checkConnection(plugin, config, {
    logSink: (r) => output.err(color.dim(`${r.level} ${r.message}`)),
  })
  if (options.json) output.out(JSON.stringify(result))
  else if (result.status === 'ok')
    output.out(`${color.green('✓')} ${result.plugin}: the connection check passed`)
  else if (result.status === 'unsupported') output.out(`${color.yellow('-')} ${result.message}`)
  else
    output.out(
      `${color.red('✗')} ${result.plugin}: ${result.code}: ${result.message}${result.hint ? `\n  ${color.yellow('hint')}: ${result.hint}` : ''}`,
    )
  return result.status === 'failed' ? EXIT.failed : EXIT.ok
}

export default defineCommand({
  meta: {
    name: 'check',
    description: `Test a config against the real service with the connector's check hook (Segment's testAuthentication, Airbyte's check). Exit 1 when it fails.

Examples:
  patchbay check --config crm.json
  patchbay check connectors/destination-webhook --config webhook.json --json`,
  },
  args: {
    dir: { type: 'positional', description: 'Connector package folder', default: '.' },
    config: { type: 'string', description: 'A config file (JSON); default: the first example config' },
    json: { type: 'boolean', description: 'Print the result as JSON' },
  },
  async run({ args }) {
    process.exitCode = await checkConnector({ dir: args.dir, config: args.config, json: Boolean(args.json) })
  },
})
