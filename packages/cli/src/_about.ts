import { type AnyPlugin, type DestinationPlugin, isSecretSchema, redactConfig } from '@patchbay/core'

/** One setting of a plugin's config, as `patchbay plugins --about` documents it. */
export interface SettingDoc {
  /** Dotted path, e.g. `auth.token`; `[]` marks array items. */
  name: string
  type: string
  required: boolean
  secret: boolean
  default?: unknown
  description?: string
}

type Schema = Record<string, unknown>

function typeOf(schema: Schema): string {
  if ('const' in schema) return JSON.stringify(schema.const)
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ')
  const union = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined
  if (union) return union.map(typeOf).join(' | ')
  const tag = discriminator(schema)
  if (tag) return `object (${tag})`
  if (schema.type === 'array') return `${typeOf((schema.items as Schema) ?? {})}[]`
  if (schema.patternProperties) return 'object (any keys)'
  return typeof schema.type === 'string'
    ? schema.type
    : Array.isArray(schema.type)
      ? schema.type.join(' | ')
      : 'any'
}

/** `type: "basic"` for an object option of a tagged union. */
function discriminator(schema: Schema): string | undefined {
  const properties = (schema.properties ?? {}) as Record<string, Schema>
  const tag = Object.entries(properties).find(([, p]) => 'const' in p)
  return tag ? `${tag[0]}: ${JSON.stringify(tag[1].const)}` : undefined
}

/** Every setting of a TypeBox config schema, nested objects flattened with dotted names. */
export function settingsOf(schema: unknown, prefix = '', parentRequired = true): SettingDoc[] {
  const node = (schema ?? {}) as Schema
  const properties = (node.properties ?? {}) as Record<string, Schema>
  const required = new Set((node.required as string[] | undefined) ?? [])
  return Object.entries(properties).flatMap(([key, child]) => {
    const name = prefix ? `${prefix}.${key}` : key
    // Required: the user must write it (a field with a default is filled in for them).
    const isRequired = parentRequired && required.has(key) && child.default === undefined
    const own: SettingDoc = {
      name,
      type: typeOf(child),
      required: isRequired,
      secret: isSecretSchema(child),
      ...(child.default === undefined ? {} : { default: child.default }),
      ...(typeof child.description === 'string' ? { description: child.description } : {}),
    }
    const nested = child.type === 'object' && child.properties ? settingsOf(child, name, isRequired) : []
    // A tagged union of objects (auth: none | basic | bearer): each option's own fields.
    const options = ((child.anyOf ?? child.oneOf) as Schema[] | undefined) ?? []
    const tagged = options.flatMap((option) => {
      const tag = discriminator(option)
      if (!tag) return []
      const tagKey = tag.split(':')[0]
      return settingsOf(option, name, true) // required when that option is chosen
        .filter((s) => s.name !== `${name}.${tagKey}`)
        .map((s) => ({ ...s, description: `(with ${tag}) ${s.description ?? ''}`.trim() }))
    })
    return [own, ...nested, ...tagged]
  })
}

/** A plugin's settings as JSON: manifest, settings, examples with secret values masked. */
export function aboutJson(plugin: AnyPlugin) {
  return {
    name: plugin.name,
    version: plugin.version,
    kind: plugin.kind,
    apiVersion: plugin.apiVersion,
    ...(plugin.title ? { title: plugin.title } : {}),
    ...(plugin.description ? { description: plugin.description } : {}),
    ...(plugin.kind === 'destination' ? { supports: (plugin as DestinationPlugin).supports } : {}),
    check: typeof plugin.check === 'function',
    settings: settingsOf(plugin.config),
    examples: (plugin.examples ?? []).map((e) => redactConfig(plugin.config, e)),
  }
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ')

/** The same as Markdown: a heading, what it is, a settings table, and an example config. */
export function aboutMarkdown(plugin: AnyPlugin): string {
  const about = aboutJson(plugin)
  const rows = about.settings.map(
    (s) =>
      `| \`${s.name}\` | ${cell(s.type)} | ${s.required ? 'yes' : 'no'} | ${s.default === undefined ? '' : `\`${cell(JSON.stringify(s.default))}\``} | ${s.secret ? '**secret** ' : ''}${cell(s.description ?? '')} |`,
  )
  return [
    `# ${about.title ?? about.name}`,
    '',
    `\`${about.name}@${about.version}\`: a Patchbay ${about.kind} (plugin API ${about.apiVersion}).${about.description ? ` ${about.description}` : ''}`,
    ...(about.kind === 'destination' ? ['', `Event types: ${(about.supports ?? []).join(', ')}.`] : []),
    '',
    '## Settings',
    '',
    ...(rows.length
      ? ['| setting | type | required | default | description |', '| --- | --- | --- | --- | --- |', ...rows]
      : ['This plugin has no settings.']),
    '',
    'Secret settings are redacted from logs, errors and recorded requests; pass them from the environment (`${API_TOKEN}`).',
    ...(about.examples.length
      ? ['', '## Example', '', '```json', JSON.stringify(about.examples[0], null, 2), '```']
      : []),
    ...(about.check
      ? ['', 'It has a connection check: `patchbay check` tests a config before the first event.']
      : []),
    '',
  ].join('\n')
}
