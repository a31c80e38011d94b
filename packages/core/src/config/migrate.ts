import semver from 'semver'
import { ConfigurationError } from '../errors/errors.ts'
import type { ConfigMigrations } from '../plugin/manifest.ts'

/** The result of migrating a config across plugin majors. */
export interface MigratedConfig {
  config: Record<string, unknown>
  /** The majors migrated through, in order, e.g. `[2, 3]` for a v1 config on v3. */
  steps: number[]
  /** A sentence for the run log: what was migrated. */
  notice: string
}

/**
 * Runs a plugin's config migrations from `fromMajor` up to the plugin's own major.
 * Each migration gets a copy, so a migration that mutates its input cannot corrupt the
 * caller's config.
 *
 * @example
 * migrateConfig({ name: 'webhook', version: '2.0.0', migrations: { 2: (v1) => ({ ...v1, method: 'POST' }) } }, { url }, 1)
 */
export function migrateConfig(
  plugin: { name: string; version: string; migrations?: ConfigMigrations },
  config: Record<string, unknown>,
  fromMajor: number,
  where: { step?: string } = {},
): MigratedConfig {
  const toMajor = semver.major(plugin.version)
  const steps: number[] = []
  let current = structuredClone(config)
  for (let major = fromMajor + 1; major <= toMajor; major++) {
    const migration = plugin.migrations?.[major]
    if (!migration) {
      throw new ConfigurationError(
        `${plugin.name}@${plugin.version} has no config migration to major ${major}, so a config written for major ${fromMajor} cannot be used`,
        { code: 'PB_CONFIG_MIGRATION_FAILED', plugin: `${plugin.name}@${plugin.version}`, step: where.step },
      )
    }
    try {
      current = structuredClone(migration(current))
    } catch (cause) {
      throw new ConfigurationError(
        `Config migration of ${plugin.name} from major ${major - 1} to ${major} failed: ${(cause as Error).message}`,
        {
          code: 'PB_CONFIG_MIGRATION_FAILED',
          plugin: `${plugin.name}@${plugin.version}`,
          step: where.step,
          cause,
        },
      )
    }
    steps.push(major)
  }
  return {
    config: current,
    steps,
    notice: `migrated the config of ${where.step ? `step "${where.step}" ` : ''}from ${plugin.name}@${fromMajor} to ${plugin.name}@${plugin.version} (${steps.map((m) => `v${m - 1}→v${m}`).join(', ')})`,
  }
}
