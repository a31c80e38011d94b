import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  type AnyPlugin,
  compileConfig,
  type DestinationPlugin,
  isClientDestination,
  isPatchbayError,
  isPlugin,
  type SourcePlugin,
  type TransformationPlugin,
} from '@patchbay/core'
import { describe, expect, it } from 'vitest'
import { findPackageManifest } from './_package.ts'
import { checkBatchAttribution } from './check-batch.ts'
import {
  checkDriverErrorSecrets,
  checkDriverErrors,
  checkIdempotentDelivery,
} from './check-client-destination.ts'
import { checkCompatibility } from './check-compatibility.ts'
import { checkDeleteUsers } from './check-delete-users.ts'
import { checkDeliveryClassification, checkEventTypes, checkRequests } from './check-destination.ts'
import { checkGolden } from './check-goldens.ts'
import { checkLifecycle, checkSecretsNotLeaked } from './check-runtime.ts'
import { checkSourceRequests } from './check-source.ts'
import { checkConfigSchema, checkExamples, checkManifest } from './check-static.ts'
import { checkTransformation } from './check-transformation.ts'
import type { Finding } from './finding.ts'
import { loadFixtures, updatingGoldens, writeGolden } from './fixtures.ts'

export interface DescribeConnectorOptions {
  /**
   * The previous published version, to check upgrades are safe. Default: the plugin that
   * `<fixtures>/previous/plugin.js` default-exports, when that file exists.
   */
  previous?: AnyPlugin
  /** The folder of contract fixtures (see loadFixtures), e.g. `new URL('./fixtures/', import.meta.url)`. */
  fixtures?: URL | string
  /**
   * The package.json whose name and version the manifest must match. Default: the nearest
   * one above the fixtures folder with a `"patchbay"` key; `false` skips the check.
   */
  packageJson?: URL | string | false
  /**
   * The config the checks run with, instead of `<fixtures>/config.json` or the first
   * example: e.g. a client destination's connection to a database the test file made.
   */
  config?: unknown
}

/** Fails the current test with every violation's message. */
export function expectContract(findings: Finding[]): void {
  const failed = findings.filter((f) => !f.ok)
  if (failed.length > 0)
    throw new Error(failed.map((f) => `contract: ${f.rule}\n  requires: ${f.message}`).join('\n\n'))
}

/**
 * Generates the contract suite for a connector: one line in a test file gives it the same
 * checks as every other connector. Run it with vitest.
 *
 * @example
 * import { describeConnector } from '@patchbay/testing'
 * import plugin from '../src/index.ts'
 * describeConnector(plugin, { fixtures: new URL('./fixtures/', import.meta.url) })
 */
export function describeConnector(plugin: AnyPlugin, options: DescribeConnectorOptions = {}): void {
  const fixtures = loadFixtures(options.fixtures)
  const name = isPlugin(plugin) ? `${plugin.name}@${plugin.version} (${plugin.kind})` : 'connector'
  describe(`contract: ${name}`, () => {
    const pkg = findPackageManifest(options.packageJson, fixtures.dir)
    it('has a valid manifest for a supported plugin API, matching package.json', () =>
      expectContract(checkManifest(plugin, pkg)))
    if (!isPlugin(plugin)) return
    // Configs as the runtime hands them to handlers: validated, with defaults filled in.
    const parse = (raw: unknown) => {
      try {
        return compileConfig(plugin.config).parse(raw, { plugin: plugin.name })
      } catch (error) {
        if (!isPatchbayError(error)) throw error
        return raw // an invalid example: the examples check reports it
      }
    }
    const config = parse(options.config ?? fixtures.config ?? plugin.examples?.[0] ?? {})
    it('has a JSON Schema config with every secret-looking field marked Secret', () =>
      expectContract(checkConfigSchema(plugin)))
    it('accepts its example configs and refuses the invalid config fixtures by field', () =>
      expectContract(checkExamples(plugin, fixtures.invalidConfigs)))
    it('loads, runs and closes twice, and closes without running', async () =>
      expectContract(await checkLifecycle(plugin, config)))
    it('never leaks a secret into logs, errors or records', async () =>
      expectContract(await checkSecretsNotLeaked(plugin, plugin.examples ?? [config], fixtures.requests)))

    const previousFile = fixtures.dir ? join(fixtures.dir, 'previous', 'plugin.js') : undefined
    if (options.previous || (previousFile && existsSync(previousFile))) {
      it('accepts every config the previous version accepted, or migrates it after a major bump', async () => {
        const previous =
          options.previous ??
          ((await import(pathToFileURL(previousFile!).href)) as { default: AnyPlugin }).default
        expectContract(checkCompatibility(plugin, previous, fixtures.previousConfigs))
      })
    }

    if (isClientDestination(plugin)) {
      it('classifies driver errors: network errors retryable, each errors/ fixture as declared', async () =>
        expectContract(await checkDriverErrors(plugin, config, fixtures.driverErrors)))
      it('never leaks a secret that a driver error quotes', async () =>
        expectContract(await checkDriverErrorSecrets(plugin, plugin.examples ?? [config])))
      it('delivers repeats: the same batch twice, one event twice in a batch', async () =>
        expectContract(await checkIdempotentDelivery(plugin, config)))
      if (plugin.deleteUsers)
        it('deletes users through its client (deleteUsers), idempotently, with no secret in errors', async () =>
          expectContract(await checkDeleteUsers(plugin, config)))
    } else if (plugin.kind === 'destination') {
      const dest = plugin as DestinationPlugin
      it('maps or refuses every event type, and throws nothing else', async () =>
        expectContract(await checkEventTypes(dest, config)))
      it('builds well-formed requests, deterministically, without I/O', async () =>
        expectContract(await checkRequests(dest, config)))
      it('classifies delivery answers per the policy (handleResponse may only refine it)', async () =>
        expectContract(await checkDeliveryClassification(dest, config)))
      if (dest.deleteUsers)
        it('builds deletion requests (deleteUsers) classified like deliveries, with no secret in errors', async () =>
          expectContract(await checkDeleteUsers(dest, config)))
      if (dest.transformBatch)
        it('keeps batch outcomes on the right events', async () =>
          expectContract(await checkBatchAttribution(dest, config)))
    }
    if (plugin.kind === 'source') {
      it('turns its request fixtures into valid events and refuses malformed ones', async () =>
        expectContract(await checkSourceRequests(plugin as SourcePlugin, config, fixtures.requests)))
    }
    if (plugin.kind === 'transformation') {
      it('drops, fans out and errors per the contract, never mutating its input', async () =>
        expectContract(await checkTransformation(plugin as TransformationPlugin, config)))
    }
    for (const golden of fixtures.goldens) {
      it(`matches the golden ${golden.name}, twice, without an undeclared clock or randomness`, async () => {
        const result = await checkGolden(
          plugin,
          golden,
          golden.config === undefined ? config : parse(golden.config),
        )
        if (updatingGoldens()) writeGolden(golden, result.actual)
        else
          expect(
            result.actual,
            `golden ${golden.file} (re-record with PATCHBAY_UPDATE_GOLDENS=1 or patchbay test --update)`,
          ).toEqual(result.expected)
        expectContract(result.findings.filter((f) => f.rule !== `golden ${golden.name}`))
      })
    }
  })
}
