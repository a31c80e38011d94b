import { describe, expect, it } from 'vitest'
import { verifySignature } from '../src/index.ts'
import { ctx, NOW_MS, webhook } from './_helpers.ts'

const SECRET = 'whsec_test_0123456789abcdef'
const identifiers = [
  { type: 'userId', value: 'u1' },
  { type: 'email', value: 'a@b.c' },
]

describe('deleteUsers: the deletion request', () => {
  it('sends { type: delete_users, identifiers } to deletion.url, with the headers, auth and a v2 signature of events', async () => {
    const input = {
      url: 'https://hooks.example.com/events/{{userId}}',
      headers: { 'X-Source': 'patchbay' },
      auth: { type: 'bearer', token: 'tok_test_123456' },
      signing: { secret: SECRET },
      deletion: { url: 'https://hooks.example.com/gdpr/delete', method: 'DELETE' },
    }
    const request = (await webhook.deleteUsers!(identifiers, ctx(input))) as {
      method: string
      url: string
      headers: Record<string, string>
      body: string
    }
    expect(request).toMatchObject({
      method: 'DELETE',
      url: 'https://hooks.example.com/gdpr/delete',
      headers: {
        'content-type': 'application/json',
        'x-source': 'patchbay',
        authorization: 'Bearer tok_test_123456',
      },
    })
    expect(JSON.parse(request.body)).toEqual({ type: 'delete_users', identifiers })
    const verified = verifySignature(request.body, request.headers['patchbay-signature'], SECRET, {
      method: 'DELETE',
      target: '/gdpr/delete',
      now: () => NOW_MS,
    })
    expect(verified).toMatchObject({ ok: true })
  })

  it('without deletion set, fails with a configuration error that says what to set (not retried)', async () => {
    let error: unknown
    try {
      await webhook.deleteUsers!(identifiers, ctx({ url: 'https://hooks.example.com/events' }))
    } catch (e) {
      error = e
    }
    expect(error).toMatchObject({ code: 'PB_CONFIG_INVALID', family: 'configuration' })
    expect((error as Error).message).toContain('no deletion request configured')
  })

  it('refuses a deletion URL with placeholders or another scheme', () => {
    for (const url of ['https://x.example/{{userId}}', 'ftp://x.example/delete'])
      expect(() => ctx({ url: 'https://hooks.example.com/e', deletion: { url } })).toThrow(/deletion/)
  })
})
