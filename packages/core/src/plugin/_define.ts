import { Compile } from 'typebox/compile'
import { toSchemaIssues } from '../config/_schema-issues.ts'
import { PatchbayError } from '../errors/patchbay-error.ts'
import { type PluginKind, PluginManifestSchema } from './manifest.ts'

export const PLUGIN_MARKER = Symbol.for('patchbay.plugin')

const checkManifest = Compile(PluginManifestSchema)

/** Validates a definition's manifest and brands it as a plugin of `kind`. */
export function brandPlugin<T extends { name?: unknown; version?: unknown }>(
  kind: PluginKind,
  definition: T,
) {
  const manifest = {
    name: definition.name,
    version: definition.version,
    kind,
    apiVersion: (definition as { apiVersion?: unknown }).apiVersion,
    title: (definition as { title?: unknown }).title,
    description: (definition as { description?: unknown }).description,
  }
  for (const key of ['title', 'description'] as const) if (manifest[key] === undefined) delete manifest[key]
  if (!checkManifest.Check(manifest)) {
    const issues = toSchemaIssues(checkManifest.Errors(manifest), PluginManifestSchema)
    const name = typeof definition.name === 'string' ? definition.name : '(unnamed plugin)'
    throw new PatchbayError(
      'PB_PLUGIN_INVALID',
      `Invalid ${kind} definition ${name}: ${issues.map((i) => `${i.path.slice(1) || 'manifest'} ${i.message}`).join('; ')}`,
      { plugin: name, field: issues[0]?.path },
    )
  }
  const config = (definition as { config?: unknown }).config
  if (typeof config !== 'object' || config === null) {
    throw new PatchbayError(
      'PB_PLUGIN_INVALID',
      `${kind} ${String(definition.name)} needs a TypeBox \`config\` schema`,
      {
        plugin: String(definition.name),
        hint: 'Use `config: Type.Object({})` for a plugin without settings.',
      },
    )
  }
  return Object.freeze({ ...definition, kind, [PLUGIN_MARKER]: true as const })
}
