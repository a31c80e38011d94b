import { AbortedError, defineDestination, RetryableError, Secret } from '@patchbay/core'
import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { checkDeleteUsers } from '../src/index.ts'

const SECRET = 'tok_contract_secret_123'
const base = {
  name: '@test/destination-del',
  version: '3.0.0',
  apiVersion: 3,
  config: Type.Object({ token: Secret(Type.String()) }),
  supports: ['track'] as const,
  transform: () => ({ method: 'POST' as const, url: 'https://api.example.com/events' }),
}
const config = { token: SECRET }
const statuses = (findings: Array<{ rule: string; ok: boolean }>) =>
  Object.fromEntries(findings.map((f) => [f.rule, f.ok ? 'pass' : 'violation']))

describe('checkDeleteUsers', () => {
  it('passes a hook that builds requests classified per the policy', async () => {
    const plugin = defineDestination({
      ...base,
      deleteUsers: (ids, { config: c }) => ({
        method: 'POST',
        url: 'https://api.example.com/gdpr',
        headers: { authorization: `Bearer ${c.token}` },
        body: { ids: ids.map((i) => i.value) },
      }),
    })
    const findings = await checkDeleteUsers(plugin, config)
    expect(findings.filter((f) => !f.ok)).toEqual([])
    expect(findings.map((f) => f.rule)).toContain('deleteUsers: 503')
  })

  it('flags a secret in what the hook throws, a mutated input, a bad request and a refined answer the wrong way', async () => {
    const leaking = defineDestination({
      ...base,
      deleteUsers: (_ids, { config: c }) => {
        throw new Error(`cannot delete with ${c.token}`)
      },
    })
    expect(statuses(await checkDeleteUsers(leaking, config))).toEqual({
      'deleteUsers: no secrets in errors': 'violation',
    })
    const mutating = defineDestination({
      ...base,
      deleteUsers: (ids) => {
        ;(ids as unknown as Array<{ type: string }>)[0]!.type = 'x'
        return null
      },
    })
    expect(statuses(await checkDeleteUsers(mutating, config))).toEqual({ deleteUsers: 'violation' })
    const relative = defineDestination({ ...base, deleteUsers: () => ({ method: 'POST', url: '/gdpr' }) })
    expect(statuses(await checkDeleteUsers(relative, config))['deleteUsers: requests']).toBe('violation')
    const inverted = defineDestination({
      ...base,
      deleteUsers: () => ({ method: 'POST', url: 'https://api.example.com/gdpr' }),
      handleResponse: (response) =>
        response.status === 503
          ? new AbortedError('gone')
          : response.status === 400
            ? new RetryableError('x')
            : undefined,
    })
    const got = statuses(await checkDeleteUsers(inverted, config))
    expect([got['deleteUsers: 503'], got['deleteUsers: 400'], got['deleteUsers: 200']]).toEqual([
      'violation',
      'violation',
      'pass',
    ])
  })

  it('passes a plugin without the hook', async () => {
    expect(statuses(await checkDeleteUsers(defineDestination(base), config))).toEqual({ deleteUsers: 'pass' })
  })
})
