import { type AnyPlugin, compileConfig, migrateConfig } from '@patchbay/core'
import semver from 'semver'
import { leaves, schemaNarrowings } from './_schema-diff.ts'
import { type Finding, pass, violation } from './finding.ts'

/** A config users wrote for the previous version, and where it comes from (named in findings). */
export interface PreviousConfig {
  /** e.g. `previous/configs/eu.json`, or the previous version's example. */
  file: string
  config: unknown
}

const reason = (error: unknown) => (error as Error).message.split('\n').slice(1).join(' ').trim()

/**
 * Upgrades are safe and lose no data (Airbyte's breaking-change rule):
 * - every config the previous version accepted (its examples, and the old configs in the
 *   fixtures) still works: as is, or, after a major bump, through `migrations`;
 * - within a major, no config field is removed, renamed or narrowed (type, enum, bounds),
 *   even when a default makes old configs still parse: their values would be ignored;
 * - a migration carries every value over: a string or number of the old config that is
 *   nowhere in the migrated one was dropped.
 */
export function checkCompatibility(
  plugin: AnyPlugin,
  previous: AnyPlugin,
  oldConfigs: PreviousConfig[] = [],
): Finding[] {
  const rule = `compatible with ${previous.version}`
  const lossRule = `no config data lost since ${previous.version}`
  const previousMajor = semver.major(previous.version)
  const major = semver.major(plugin.version)
  const findings: Finding[] = []

  if (major === previousMajor) {
    const narrowed = schemaNarrowings(previous.config, plugin.config)
    findings.push(
      narrowed.length === 0
        ? pass(lossRule)
        : violation(
            lossRule,
            `Within major ${major}, the config schema of ${previous.name}@${previous.version} is not narrowed: no field removed or renamed, no type, enum or bound tightened (old values would be refused or silently ignored, even where a default makes old configs parse).`,
            narrowed.join('; '),
            `Keep the old field (deprecate it in its description and read it as a fallback), or release ${major + 1}.0.0 with \`migrations: { ${major + 1}: (v${previousMajor}) => ... }\` that carries the values over.`,
          ),
    )
  }

  const configs: PreviousConfig[] = [
    ...(previous.examples ?? []).map((config, i) => ({
      file: `example ${i + 1} of ${previous.name}@${previous.version} (its examples[${i}])`,
      config,
    })),
    ...oldConfigs,
  ]
  if (configs.length === 0) {
    findings.push(pass(rule, 'the previous version has no example configs to replay'))
    return findings
  }
  const current = compileConfig(plugin.config)
  const broken: string[] = []
  const dropped: string[] = []
  for (const { file, config } of configs) {
    try {
      current.parse(config, { plugin: plugin.name })
      continue
    } catch (error) {
      if (major === previousMajor) {
        broken.push(`${file} is refused: ${reason(error)}`)
        continue
      }
    }
    try {
      const migrated = migrateConfig(plugin, config as Record<string, unknown>, previousMajor, {
        step: 'contract',
      })
      current.parse(migrated.config, { plugin: plugin.name })
      const kept = leaves(migrated.config).map((l) => String(l.value))
      const lost = leaves(config).filter(
        // Exact, or inside a longer string (a URL built from a host); short values exact only.
        (l) =>
          !kept.some(
            (k) =>
              k === String(l.value) ||
              (typeof l.value === 'string' && l.value.length >= 6 && k.includes(l.value)),
          ),
      )
      if (lost.length)
        dropped.push(
          `${file}: the migration to v${major} dropped the value of ${lost.map((l) => l.path).join(', ')}`,
        )
    } catch (error) {
      broken.push(
        `${file} has no working migration from v${previousMajor}: ${(error as Error).message.split('\n')[0]}`,
      )
    }
  }
  findings.push(
    broken.length === 0
      ? pass(rule)
      : violation(
          rule,
          `Every config ${previous.name}@${previous.version} accepted still works: as is, or (after a major version bump) through a config migration.`,
          broken.join('; '),
          major === previousMajor
            ? `Make the change backwards compatible (optional fields with defaults), or release it as ${major + 1}.0.0 with \`migrations: { ${major + 1}: (v${previousMajor}) => ... }\`.`
            : `Add \`migrations: { ${major}: (v${previousMajor}) => ... }\` that turns each old config into a valid new one.`,
        ),
  )
  if (major !== previousMajor)
    findings.push(
      dropped.length === 0
        ? pass(lossRule)
        : violation(
            lossRule,
            'A config migration carries every value of the old config over (renamed or reshaped, but present).',
            dropped.join('; '),
            'Map each old field to its new place in the migration; if a setting really went away, say so in the changeset and keep its value where users can still see it.',
          ),
    )
  return findings
}
