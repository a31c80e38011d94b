import type { Static, TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import { Value } from 'typebox/value'
import { ConfigurationError } from '../errors/errors.ts'
import { pointerToDotted, type SchemaIssue, toSchemaIssues } from './_schema-issues.ts'
import { collectSecrets } from './secret.ts'

/** Where a config came from, so errors can point at it. */
export interface ConfigLocation {
  plugin?: string
  step?: string
  /** Maps a JSON pointer inside the config to a file position (pipeline files provide it). */
  locate?: (pointer: string) => { file: string; line: number; column: number } | undefined
}

/** A config schema compiled once, when its plugin loads. */
export interface CompiledConfig<T extends TSchema> {
  readonly schema: T
  /** Applies defaults and coercion, then validates. Never mutates `input`. Throws ConfigurationError. */
  parse(input: unknown, where?: ConfigLocation): Static<T>
  /** Every problem at once (for `patchbay validate`), after defaults and coercion. */
  issues(input: unknown): SchemaIssue[]
  /** The secret values in a parsed config, for redaction. */
  secrets(config: unknown): string[]
}

/**
 * Compiles a plugin's config schema. `parse` applies `default`s, coerces strings such as
 * `"30"` to numbers where the schema wants a number (configs often come from env vars),
 * and throws one ConfigurationError that names every bad field.
 *
 * @example
 * const cfg = compileConfig(Type.Object({ url: Type.String(), retries: Type.Integer({ default: 3 }) }))
 * cfg.parse({ url: 'https://x.test' }) // { url: 'https://x.test', retries: 3 }
 */
export function compileConfig<T extends TSchema>(schema: T): CompiledConfig<T> {
  const validator = Compile(schema)
  const prepare = (input: unknown) =>
    Value.Convert(schema, Value.Default(schema, structuredClone(input ?? {})))
  const issues = (input: unknown) => {
    const value = prepare(input)
    return validator.Check(value) ? [] : toSchemaIssues(validator.Errors(value), schema)
  }
  return {
    schema,
    issues,
    secrets: (config) => collectSecrets(schema, config),
    parse(input, where = {}) {
      const value = prepare(input)
      if (validator.Check(value)) return value as Static<T>
      const found = toSchemaIssues(validator.Errors(value), schema)
      const first = found[0]
      const position = first ? where.locate?.(first.path) : undefined
      const owner = where.step ? `step "${where.step}"` : where.plugin ? `plugin ${where.plugin}` : 'config'
      const lines = found.map((i) => {
        const at = where.locate?.(i.path)
        return `  - ${pointerToDotted(i.path)} ${i.message}${at ? ` (${at.file}:${at.line}:${at.column})` : ''}`
      })
      throw new ConfigurationError(`Invalid config for ${owner}:\n${lines.join('\n')}`, {
        plugin: where.plugin,
        step: where.step,
        field: first?.path,
        ...(position ?? {}),
        details: { issues: found },
      })
    },
  }
}
