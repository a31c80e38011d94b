import { describe, expect, it } from 'vitest'
import { ConfigurationError, migrateConfig } from '../../src/index.ts'
import { thrown } from '../_thrown.ts'

const plugin = {
  name: '@acme/destination-crm',
  version: '3.1.0',
  migrations: {
    2: (v1: Record<string, unknown>) => ({ endpoint: v1.url, method: 'POST' }),
    3: (v2: Record<string, unknown>) => ({ ...v2, retries: 3 }),
  },
}

describe('migrateConfig', () => {
  it('runs every migration from the config major up to the plugin major, in order', () => {
    const input = { url: 'https://crm.example/in' }
    const result = migrateConfig(plugin, input, 1, { step: 'destinations.crm' })
    expect(result.config).toEqual({ endpoint: 'https://crm.example/in', method: 'POST', retries: 3 })
    expect(result.steps).toEqual([2, 3])
    expect(result.notice).toBe(
      'migrated the config of step "destinations.crm" from @acme/destination-crm@1 to @acme/destination-crm@3.1.0 (v1→v2, v2→v3)',
    )
    expect(input).toEqual({ url: 'https://crm.example/in' })
  })

  it('refuses when a migration in the chain is missing', () => {
    const gap = { ...plugin, migrations: { 3: plugin.migrations[3] } }
    expect(() => migrateConfig(gap, {}, 1)).toThrowError(/has no config migration to major 2/)
  })

  it('wraps a throwing migration in PB_CONFIG_MIGRATION_FAILED', () => {
    const broken = {
      ...plugin,
      version: '2.0.0',
      migrations: {
        2: () => {
          throw new Error('url is gone')
        },
      },
    }
    const error = thrown(() => migrateConfig(broken, {}, 1))
    expect(error).toBeInstanceOf(ConfigurationError)
    expect(error.code).toBe('PB_CONFIG_MIGRATION_FAILED')
    expect(error.message).toBe(
      'Config migration of @acme/destination-crm from major 1 to 2 failed: url is gone',
    )
  })
})
