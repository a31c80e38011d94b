import {
  type AnyPlugin,
  compileConfig,
  isPatchbayError,
  isPlugin,
  isSecretSchema,
  PluginManifestSchema,
  SUPPORTED_PLUGIN_API_VERSIONS,
} from '@patchbay/core'
import { Compile } from 'typebox/compile'
import { type Finding, pass, violation } from './finding.ts'

const SECRET_NAME = /(token|secret|password|passwd|api_?key|private_?key|credential)/i

/** The manifest: a branded plugin with a name, semver version, kind and a supported apiVersion. */
export function checkManifest(plugin: unknown): Finding[] {
  if (!isPlugin(plugin)) {
    return [
      violation(
        'manifest',
        'A connector package default-exports the result of defineSource, defineDestination or defineTransformation.',
        `it exported ${plugin === null ? 'null' : typeof plugin}`,
        'Wrap the definition: `export default defineDestination({ ... })`.',
      ),
    ]
  }
  const p = plugin as AnyPlugin
  const checker = Compile(PluginManifestSchema)
  const manifest = {
    name: p.name,
    version: p.version,
    kind: p.kind,
    apiVersion: p.apiVersion,
    title: p.title,
    description: p.description,
  }
  const clean = Object.fromEntries(Object.entries(manifest).filter(([, v]) => v !== undefined))
  const findings: Finding[] = []
  if (!checker.Check(clean)) {
    const issue = [...checker.Errors(clean)][0]
    findings.push(
      violation(
        'manifest',
        'The manifest has a non-empty name, a semver version, a kind and an integer apiVersion.',
        `${issue?.instancePath || 'the manifest'} ${issue?.message ?? 'is invalid'} (got ${JSON.stringify(clean)})`,
        'Take name and version from package.json, and set apiVersion: 1.',
      ),
    )
  } else findings.push(pass('manifest'))
  findings.push(
    SUPPORTED_PLUGIN_API_VERSIONS.includes(p.apiVersion)
      ? pass('apiVersion')
      : violation(
          'apiVersion',
          `The plugin API version is one this core supports (${SUPPORTED_PLUGIN_API_VERSIONS.join(', ')}).`,
          `it declares apiVersion ${p.apiVersion}`,
          `Build against a core that supports plugin API ${p.apiVersion}, or set apiVersion to ${SUPPORTED_PLUGIN_API_VERSIONS.at(-1)}.`,
        ),
  )
  return findings
}

/** The config schema compiles as JSON Schema, and every secret-looking field is marked Secret. */
export function checkConfigSchema(plugin: AnyPlugin): Finding[] {
  const findings: Finding[] = []
  try {
    Compile(JSON.parse(JSON.stringify(plugin.config)))
    findings.push(pass('config-schema'))
  } catch (error) {
    findings.push(
      violation(
        'config-schema',
        'The config schema is valid JSON Schema (it is published for UIs and other languages).',
        `compiling it failed: ${(error as Error).message}`,
        'Build the schema with TypeBox `Type.*` only.',
      ),
    )
  }
  const unmarked: string[] = []
  const visit = (schema: unknown, path: string) => {
    if (!schema || typeof schema !== 'object') return
    const node = schema as Record<string, unknown>
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const)
      if (Array.isArray(node[key])) for (const option of node[key] as unknown[]) visit(option, path)
    const properties = node.properties as Record<string, unknown> | undefined
    for (const [name, child] of Object.entries(properties ?? {})) {
      const childPath = `${path}/${name}`
      const leaf = child as Record<string, unknown>
      if (SECRET_NAME.test(name) && leaf.type === 'string' && !isSecretSchema(child)) unmarked.push(childPath)
      visit(child, childPath)
    }
  }
  visit(plugin.config, '')
  findings.push(
    unmarked.length === 0
      ? pass('secrets-marked')
      : violation(
          'secrets-marked',
          'Every config field that holds a credential (token, key, secret, password) is marked Secret, so it is redacted from logs, errors and records.',
          `these fields are not marked: ${[...new Set(unmarked)].join(', ')}`,
          'Wrap each in Secret(...): `apiKey: Secret(Type.String())`.',
        ),
  )
  return findings
}

/** Every example config passes; every invalid fixture fails with a ConfigurationError naming its field. */
export function checkExamples(
  plugin: AnyPlugin,
  invalid: Array<{ name: string; config: unknown; field: string }> = [],
): Finding[] {
  const compiled = compileConfig(plugin.config)
  const examples = plugin.examples ?? []
  const findings: Finding[] = [
    examples.length > 0
      ? pass('examples')
      : violation(
          'examples',
          'The plugin lists at least one example config (docs and these checks use them).',
          'it has no `examples`',
          'Add `examples: [{ ... }]` to the definition.',
        ),
  ]
  examples.forEach((example, i) => {
    try {
      compiled.parse(example, { plugin: plugin.name })
      findings.push(pass(`example ${i + 1}`))
    } catch (error) {
      findings.push(
        violation(
          `example ${i + 1}`,
          'Every example config passes the config schema.',
          (error as Error).message,
          'Fix the example or the schema.',
        ),
      )
    }
  })
  for (const fixture of invalid) {
    try {
      compiled.parse(fixture.config, { plugin: plugin.name })
      findings.push(
        violation(
          `invalid config ${fixture.name}`,
          `The invalid config fixture ${fixture.name} is refused.`,
          'the schema accepted it',
          `Tighten the schema for ${fixture.field}, or fix the fixture.`,
        ),
      )
    } catch (error) {
      const named =
        isPatchbayError(error) && error.code === 'PB_CONFIG_INVALID' && error.message.includes(fixture.field)
      findings.push(
        named
          ? pass(`invalid config ${fixture.name}`)
          : violation(
              `invalid config ${fixture.name}`,
              `The invalid config fixture ${fixture.name} fails with a ConfigurationError naming ${fixture.field}.`,
              `it failed with: ${(error as Error).message}`,
              'Describe the field in the schema so the error names it.',
            ),
      )
    }
  }
  return findings
}
