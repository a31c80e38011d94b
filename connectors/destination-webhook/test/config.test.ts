import { ConfigurationError, collectSecrets, compileConfig, redactConfig } from '@patchbay/core'
import { describe, expect, expectTypeOf, it } from 'vitest'
import webhook, { type WebhookConfig, WebhookConfigSchema } from '../src/index.ts'
import { config } from './_helpers.ts'

const compiled = compileConfig(WebhookConfigSchema)
const issues = (input: Record<string, unknown>) => compiled.issues(input).map((i) => i.path)
/** The distinct top-level fields with issues. */
const fields = (input: Record<string, unknown>) => [...new Set(issues(input).map((p) => p.split('/')[1]))]

describe('config', () => {
  it('fills every default from just a URL', () => {
    expect(config({ url: 'https://hooks.example.com/in' })).toEqual({
      url: 'https://hooks.example.com/in',
      method: 'POST',
      headers: {},
      auth: { type: 'none' },
      bodyFormat: 'json',
      eventOverrides: 'same-origin',
      batch: { enabled: false, maxEvents: 100, maxBytes: 512_000 },
    })
  })

  it('fills the signing header default', () => {
    expect(
      config({ url: 'https://h.example', signing: { secret: 'whsec_0123456789abcdef' } }).signing,
    ).toEqual({
      secret: 'whsec_0123456789abcdef',
      header: 'Patchbay-Signature',
    })
  })

  it('accepts every example in the manifest', () => {
    expect(webhook.examples?.length).toBeGreaterThanOrEqual(4)
    for (const example of webhook.examples ?? []) expect(compiled.issues(example)).toEqual([])
  })

  it('refuses URLs that are not absolute http(s), and malformed placeholders', () => {
    for (const url of [
      'hooks.example.com/in',
      'ftp://h.example/x',
      'https://h.example/{{userId}',
      'https://h.example/{{ }}',
      'https://h.example/{{a b}}',
      'https://h.example/a b',
    ])
      expect(issues({ url }), url).toContain('/url')
    for (const url of ['https://h.example/{{userId}}', 'http://127.0.0.1:8080/x?y={{ properties.a-b.0 }}'])
      expect(issues({ url }), url).toEqual([])
  })

  it('refuses unknown methods, bad header names and values, and unknown fields', () => {
    expect(issues({ url: 'https://h.example', method: 'HEAD' })).toContain('/method')
    expect(fields({ url: 'https://h.example', headers: { 'bad name': 'x' } })).toEqual(['headers'])
    expect(fields({ url: 'https://h.example', headers: { 'X-Ok': 'line\nbreak' } })).toEqual(['headers'])
    expect(fields({ url: 'https://h.example', headers: { 'X-Ok': 'fine' } })).toEqual([])
    expect(issues({ url: 'https://h.example', surprise: true })).not.toEqual([])
  })

  it('refuses incomplete auth variants and short signing secrets', () => {
    expect(fields({ url: 'https://h.example', auth: { type: 'bearer' } })).toEqual(['auth'])
    expect(
      fields({ url: 'https://h.example', auth: { type: 'apiKey', in: 'cookie', name: 'k', value: 'v' } }),
    ).toEqual(['auth'])
    expect(
      fields({ url: 'https://h.example', auth: { type: 'basic', username: 'a:b', password: 'p' } }),
    ).toEqual(['auth'])
    expect(
      fields({ url: 'https://h.example', auth: { type: 'basic', username: 'a', password: 'p' } }),
    ).toEqual([])
    expect(fields({ url: 'https://h.example', signing: { secret: 'short' } })).toEqual(['signing'])
  })

  it('throws a ConfigurationError that names the field', () => {
    expect(() => config({ url: 'https://h.example', batch: { maxEvents: 0 } })).toThrowError(
      ConfigurationError,
    )
    expect(() => config({ url: 'https://h.example', batch: { maxEvents: 0 } })).toThrowError(
      /batch\.maxEvents/,
    )
  })

  it('marks every credential as secret, so the runtime redacts it', () => {
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ auth: { type: 'basic', username: 'user', password: 'pw-basic-1' } }, ['pw-basic-1']],
      [{ auth: { type: 'bearer', token: 'tok-bearer-1' } }, ['tok-bearer-1']],
      [{ auth: { type: 'apiKey', in: 'header', name: 'X-Key', value: 'key-api-1' } }, ['key-api-1']],
      [{ signing: { secret: 'whsec-signing-0123456789' } }, ['whsec-signing-0123456789']],
    ]
    for (const [extra, secrets] of cases) {
      const parsed = config({ url: 'https://h.example', ...extra })
      expect(collectSecrets(WebhookConfigSchema, parsed)).toEqual(secrets)
      expect(JSON.stringify(redactConfig(WebhookConfigSchema, parsed))).not.toContain(secrets[0])
    }
  })

  it('gives transform a typed config', () => {
    expectTypeOf<WebhookConfig['method']>().toEqualTypeOf<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'>()
    expectTypeOf<WebhookConfig['batch']['maxBytes']>().toEqualTypeOf<number>()
    expectTypeOf<Extract<WebhookConfig['auth'], { type: 'apiKey' }>['in']>().toEqualTypeOf<
      'header' | 'query'
    >()
  })
})
