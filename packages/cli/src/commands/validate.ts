import { join } from 'node:path'
import type { AnyPlugin } from '@patchbay/core'
import {
  checkConfigSchema,
  checkExamples,
  checkManifest,
  type Finding,
  loadFixtures,
} from '@patchbay/testing'
import { defineCommand } from 'citty'
import { loadConnector } from '../_connector-dir.ts'
import { EXIT } from '../_exit.ts'
import { color, type Output, processOutput } from '../_output.ts'

/** `patchbay validate [dir]`: the static contract checks (manifest, schema, secrets, examples). */
export async function validateConnector(
  dir: string,
  json: boolean,
  output: Output = processOutput,
): Promise<number> {
  const connector = await loadConnector(dir)
  const fixtures = loadFixtures(join(connector.root, 'test', 'fixtures', 'contract'))
  const findings: Finding[] = checkManifest(connector.plugin, connector.manifest)
  if (connector.isPlugin) {
    const plugin = connector.plugin as AnyPlugin
    findings.push(...checkConfigSchema(plugin), ...checkExamples(plugin, fixtures.invalidConfigs))
  }
  const failed = findings.filter((f) => !f.ok)
  if (json) output.out(JSON.stringify({ connector: connector.name, ok: failed.length === 0, findings }))
  else {
    for (const f of findings)
      output.out(
        f.ok
          ? `${color.green('✓')} ${f.rule}`
          : `${color.red('✗')} ${f.rule}\n  ${f.message.replaceAll('\n', '\n  ')}`,
      )
    output.out(
      failed.length === 0
        ? color.green(`${connector.name}: valid`)
        : color.red(`${connector.name}: ${failed.length} problem(s)`),
    )
  }
  return failed.length === 0 ? EXIT.ok : EXIT.failed
}

export default defineCommand({
  meta: {
    name: 'validate',
    description: `Check a connector package's manifest, config schema, secret fields and example configs, without running it.

Examples:
  patchbay validate
  patchbay validate connectors/destination-webhook --json`,
  },
  args: {
    dir: { type: 'positional', description: 'Connector package folder', default: '.' },
    json: { type: 'boolean', description: 'Print the findings as JSON' },
  },
  async run({ args }) {
    process.exitCode = await validateConnector(args.dir, Boolean(args.json))
  },
})
