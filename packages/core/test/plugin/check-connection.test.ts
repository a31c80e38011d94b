import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { ConfigurationError, checkConnection, defineDestination, Secret } from '../../src/index.ts'

const base = {
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({ url: Type.String(), token: Secret(Type.String()) }),
  supports: ['track'] as const,
  transform: () => null,
}
const config = { url: 'https://crm.example', token: 'tok_live_42' }

describe('checkConnection', () => {
  it('runs the check hook with the parsed config', async () => {
    let seen: unknown
    const plugin = defineDestination({
      ...base,
      name: 'checks',
      check: ({ config }) => {
        seen = config
      },
    })
    expect(await checkConnection(plugin, config)).toEqual({ status: 'ok', plugin: 'checks@1.0.0' })
    expect(seen).toEqual(config)
  })

  it('reports a refusal with the secret redacted, from the message and the hint', async () => {
    const plugin = defineDestination({
      ...base,
      name: 'refused',
      check: ({ config }) => {
        throw new ConfigurationError(`GET ${config.url}/me with Bearer ${config.token} answered 401`, {
          hint: `check the token ${config.token}`,
        })
      },
    })
    const result = await checkConnection(plugin, config)
    expect(result).toMatchObject({ status: 'failed', code: 'PB_CONFIG_INVALID' })
    expect(JSON.stringify(result)).not.toContain('tok_live_42')
    expect(result.status === 'failed' && result.message).toContain('GET https://crm.example/me with Bearer')
  })

  it('wraps a plain error as PB_CHECK_FAILED; an invalid config fails before the hook; no hook says so', async () => {
    let called = false
    const plugin = defineDestination({
      ...base,
      name: 'throws',
      check: () => {
        called = true
        throw new TypeError('fetch failed')
      },
    })
    expect(await checkConnection(plugin, config)).toMatchObject({ status: 'failed', code: 'PB_CHECK_FAILED' })
    called = false
    expect(await checkConnection(plugin, { url: 'x' })).toMatchObject({
      status: 'failed',
      code: 'PB_CONFIG_INVALID',
    })
    expect(called).toBe(false)
    const none = defineDestination({ ...base, name: 'none' })
    expect(await checkConnection(none, config)).toMatchObject({ status: 'unsupported' })
  })
})
