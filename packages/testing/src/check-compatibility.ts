import { type AnyPlugin, compileConfig, migrateConfig } from '@patchbay/core'
import semver from 'semver'
import { type Finding, pass, violation } from './finding.ts'

/**
 * Upgrades are safe: every config the previous version accepted (its example configs, and
 * any old configs the fixtures hold) still works. Either the new version accepts it as is,
 * or the major went up and `migrations` turn it into a valid new config (Airbyte's
 * breaking-change rule).
 */
export function checkCompatibility(
  plugin: AnyPlugin,
  previous: AnyPlugin,
  oldConfigs: unknown[] = [],
): Finding[] {
  const rule = `compatible with ${previous.version}`
  const configs = [...(previous.examples ?? []), ...oldConfigs]
  if (configs.length === 0) return [pass(rule, 'the previous version has no example configs to replay')]
  const current = compileConfig(plugin.config)
  const previousMajor = semver.major(previous.version)
  const major = semver.major(plugin.version)
  const broken: string[] = []
  for (const [i, config] of configs.entries()) {
    try {
      current.parse(config, { plugin: plugin.name })
      continue
    } catch (error) {
      if (major === previousMajor) {
        broken.push(
          `config ${i + 1} is refused: ${(error as Error).message.split('\n').slice(1).join(' ').trim()}`,
        )
        continue
      }
    }
    try {
      const migrated = migrateConfig(plugin, config as Record<string, unknown>, previousMajor, {
        step: 'contract',
      })
      current.parse(migrated.config, { plugin: plugin.name })
    } catch (error) {
      broken.push(
        `config ${i + 1} has no working migration from v${previousMajor}: ${(error as Error).message.split('\n')[0]}`,
      )
    }
  }
  if (broken.length === 0) return [pass(rule)]
  return [
    violation(
      rule,
      `Every config ${previous.name}@${previous.version} accepted still works: as is, or (after a major version bump) through a config migration.`,
      broken.join('; '),
      major === previousMajor
        ? `Make the change backwards compatible (optional fields with defaults), or release it as ${major + 1}.0.0 with \`migrations: { ${major + 1}: (v${previousMajor}) => ... }\`.`
        : `Add \`migrations: { ${major}: (v${previousMajor}) => ... }\` that turns each old config into a valid new one.`,
    ),
  ]
}
