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

/** Words that make a field a credential when a field name ends with one (`writeKey`, `client_secret`). */
const SECRET_WORDS = new Set([
  'token',
  'secret',
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'key',
  'apikey',
  'credential',
  'credentials',
  'bearer',
  'authorization',
])
/** `…Key` fields that name something other than a credential. */
const NOT_CREDENTIAL_KEY = new Set([
  'partition',
  'primary',
  'sort',
  'idempotency',
  'dedup',
  'dedupe',
  'dedupl',
  'cache',
  'routing',
  'lookup',
  'foreign',
  'join',
  'event',
  'property',
  'map',
  'group',
  'public',
  'object',
  'row',
])

/** Splits `writeKey`, `client_secret`, `API-TOKEN` into lower-case words. */
const words = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase())

/**
 * A field name that says it holds a credential: its last word is token, secret, password,
 * key (unless a partition/sort/... key), credential(s); or it contains password.
 */
export function isCredentialName(name: string): boolean {
  const w = words(name)
  const last = w.at(-1)
  if (!last) return false
  if (w.includes('password') || w.includes('passwd')) return true
  if (!SECRET_WORDS.has(last)) return false
  return !(last === 'key' && w.length > 1 && NOT_CREDENTIAL_KEY.has(w.at(-2)!))
}

/** What the manifest is compared with: the connector's package.json (and where it is). */
export interface PackageManifest {
  name?: string
  version?: string
  /** The package.json file, named in findings. */
  file?: string
}

/**
 * The manifest: a branded plugin with a name, semver version, kind and a supported
 * apiVersion; with `pkg`, its name and version are the package's (the registry refuses a
 * name that drifted, and a version that drifted makes upgrade checks and migrations lie).
 */
export function checkManifest(plugin: unknown, pkg?: PackageManifest): Finding[] {
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
  if (pkg) findings.push(manifestDrift(p, pkg))
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

function manifestDrift(p: AnyPlugin, pkg: PackageManifest): Finding {
  const drift = [
    pkg.name !== undefined && pkg.name !== p.name
      ? `name ${JSON.stringify(p.name)} vs ${JSON.stringify(pkg.name)}`
      : '',
    pkg.version !== undefined && pkg.version !== p.version
      ? `version ${JSON.stringify(p.version)} vs ${JSON.stringify(pkg.version)}`
      : '',
  ].filter(Boolean)
  const where = pkg.file ?? 'package.json'
  return drift.length === 0
    ? pass('manifest matches package.json')
    : violation(
        'manifest matches package.json',
        `The plugin's name and version are the package's (${where}): the registry finds plugins by package name, and upgrade checks and config migrations go by version.`,
        `the manifest says ${drift.join(' and ')} (manifest vs package.json)`,
        `Set name: '${pkg.name ?? p.name}' and version: '${pkg.version ?? p.version}' in the definition (bump both together when you release).`,
      )
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
      if (isCredentialName(name) && leaf.type === 'string' && !isSecretSchema(child)) unmarked.push(childPath)
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
          `Every example config passes the config schema (this is examples[${i}] of the definition).`,
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
          `The invalid config fixture configs/invalid/${fixture.name}.json is refused.`,
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
              `The invalid config fixture configs/invalid/${fixture.name}.json fails with a ConfigurationError naming ${fixture.field}.`,
              `it failed with: ${(error as Error).message}`,
              'Describe the field in the schema so the error names it.',
            ),
      )
    }
  }
  return findings
}
