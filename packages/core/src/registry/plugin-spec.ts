import semver from 'semver'
import { ConfigurationError } from '../errors/errors.ts'

/** A parsed `use:` value: a package with a semver range, or a local path. */
export type PluginSpec =
  | { type: 'package'; name: string; range: string; raw: string }
  | { type: 'path'; path: string; raw: string }

/**
 * Parses `@scope/name@^2`, `name@1.2.x`, `name` (any version) and local paths
 * (`./plugins/crm.ts`, `../x`, `/abs/path`, `file:./x`).
 *
 * @example
 * parsePluginSpec('@patchbay/destination-webhook@^1') // { type: 'package', name: '@patchbay/destination-webhook', range: '^1', ... }
 */
export function parsePluginSpec(raw: string): PluginSpec {
  const spec = raw.trim()
  if (spec.startsWith('file:')) return { type: 'path', path: spec.slice(5), raw }
  if (spec.startsWith('.') || spec.startsWith('/')) return { type: 'path', path: spec, raw }
  const at = spec.lastIndexOf('@')
  const [name, range] = at > 0 ? [spec.slice(0, at), spec.slice(at + 1)] : [spec, '*']
  if (!/^(?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(name)) {
    throw new ConfigurationError(
      `"${raw}" is not a plugin name: expected name@range (e.g. @patchbay/destination-webhook@^1) or a ./path`,
      {
        code: 'PB_PLUGIN_NOT_FOUND',
      },
    )
  }
  if (semver.validRange(range) === null) {
    throw new ConfigurationError(`"${raw}" has an invalid version range "${range}"`, {
      code: 'PB_PLUGIN_NOT_FOUND',
      hint: 'Use a semver range such as ^1, ~2.3 or 1.x.',
    })
  }
  return { type: 'package', name, range, raw }
}
