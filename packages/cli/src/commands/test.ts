import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { defineCommand } from 'citty'
import { loadConnector } from '../_connector-dir.ts'
import { EXIT } from '../_exit.ts'

/**
 * `patchbay test [dir]`: runs the contract suite on a connector package, without the author
 * writing a test file: a temporary test file calls describeConnector, and vitest runs it.
 */
export async function testConnector(dir: string, update: boolean): Promise<number> {
  const connector = await loadConnector(dir)
  const scratch = mkdtempSync(join(connector.root, '.patchbay-contract-'))
  const file = join(scratch, 'contract.test.ts')
  writeFileSync(
    file,
    `import { describeConnector } from '@patchbay/testing'
import plugin from ${JSON.stringify(pathToFileURL(connector.entry).href)}
describeConnector(plugin, {
  fixtures: ${JSON.stringify(join(connector.root, 'test', 'fixtures', 'contract'))},
  packageJson: ${JSON.stringify(connector.manifest.file)},
})
`,
  )
  if (update) process.env.PATCHBAY_UPDATE_GOLDENS = '1'
  try {
    const { startVitest } = await import('vitest/node')
    // Resolve packages the way this Node process does (in development: --conditions=@patchbay/source).
    const conditions = process.execArgv.flatMap((a) => /^(?:--conditions|-C)=(.+)$/.exec(a)?.[1] ?? [])
    const resolve = conditions.length
      ? { conditions: [...conditions, 'import', 'module', 'node', 'default'] }
      : undefined
    const vitest = await startVitest(
      'test',
      [file],
      {
        root: connector.root,
        dir: scratch,
        watch: false,
        config: false,
        pool: 'forks',
        execArgv: ['--no-node-snapshot'],
      },
      resolve ? { resolve, ssr: { resolve } } : {},
    )
    const failed = vitest?.state.getCountOfFailedTests() ?? 1
    await vitest?.close()
    return failed === 0 && (vitest?.state.getFiles().length ?? 0) > 0 ? EXIT.ok : EXIT.failed
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

export default defineCommand({
  meta: {
    name: 'test',
    description: `Run the contract suite on a connector package (no test file needed). Fixtures are read from test/fixtures/contract/.

Examples:
  patchbay test
  patchbay test connectors/source-webhook
  patchbay test --update      re-record golden requests`,
  },
  args: {
    dir: { type: 'positional', description: 'Connector package folder', default: '.' },
    update: { type: 'boolean', description: 'Re-record golden requests instead of comparing them' },
  },
  async run({ args }) {
    process.exitCode = await testConnector(args.dir, Boolean(args.update))
  },
})
