import { describe, expect, it } from 'vitest'
import { fixture, transform } from './_helpers.ts'

const URL = 'https://hooks.example.com/in'
const SECRET = 's3cr3t-value-0123456789'

/** Every place a string occurs in a request, as `headers.<name>`, `query.<name>`, `url` or `body`. */
function whereIs(request: Awaited<ReturnType<typeof transform>>, needle: string): string[] {
  const found: string[] = []
  for (const [name, value] of Object.entries(request.headers ?? {}))
    if (value.includes(needle)) found.push(`headers.${name}`)
  for (const [name, value] of Object.entries(request.query ?? {}))
    if (value.includes(needle)) found.push(`query.${name}`)
  if (request.url.includes(needle)) found.push('url')
  if (typeof request.body === 'string' && request.body.includes(needle)) found.push('body')
  return found
}

describe('authentication', () => {
  it('none: no credential headers or parameters', async () => {
    const request = await transform(fixture('track'), { url: URL, auth: { type: 'none' } })
    expect(request.headers).not.toHaveProperty('authorization')
    expect(request.query).toBeUndefined()
  })

  it('basic: Authorization: Basic base64(user:password), and nothing else carries it', async () => {
    const request = await transform(fixture('track'), {
      url: URL,
      auth: { type: 'basic', username: 'patchbay', password: SECRET },
    })
    const encoded = Buffer.from(`patchbay:${SECRET}`).toString('base64')
    expect(request.headers?.authorization).toBe(`Basic ${encoded}`)
    expect(whereIs(request, encoded)).toEqual(['headers.authorization'])
    expect(whereIs(request, SECRET)).toEqual([])
  })

  it('bearer: Authorization: Bearer <token>, only there', async () => {
    const request = await transform(fixture('identify'), {
      url: URL,
      auth: { type: 'bearer', token: SECRET },
    })
    expect(request.headers?.authorization).toBe(`Bearer ${SECRET}`)
    expect(whereIs(request, SECRET)).toEqual(['headers.authorization'])
  })

  it('apiKey in a header: the named header, lower-cased, only there', async () => {
    const request = await transform(fixture('page'), {
      url: URL,
      auth: { type: 'apiKey', in: 'header', name: 'X-Api-Key', value: SECRET },
    })
    expect(request.headers?.['x-api-key']).toBe(SECRET)
    expect(whereIs(request, SECRET)).toEqual(['headers.x-api-key'])
  })

  it('apiKey in the query: the named parameter, only there, also next to GET parameters', async () => {
    const post = await transform(fixture('track'), {
      url: URL,
      auth: { type: 'apiKey', in: 'query', name: 'api_key', value: SECRET },
    })
    expect(post.query).toEqual({ api_key: SECRET })
    expect(whereIs(post, SECRET)).toEqual(['query.api_key'])

    const event = { ...fixture('page'), properties: { api_key: 'from-event', title: 'Home' } }
    const get = await transform(event, {
      url: URL,
      method: 'GET',
      auth: { type: 'apiKey', in: 'query', name: 'api_key', value: SECRET },
    })
    expect(get.query).toEqual({ api_key: SECRET, title: 'Home' })
  })

  it('keeps the signing secret out of the request: only its HMAC is sent', async () => {
    const signingSecret = 'whsec_test_0123456789abcdef'
    const request = await transform(fixture('track'), { url: URL, signing: { secret: signingSecret } })
    expect(whereIs(request, signingSecret)).toEqual([])
    expect(Object.keys(request.headers ?? {})).toContain('patchbay-signature')
  })
})
