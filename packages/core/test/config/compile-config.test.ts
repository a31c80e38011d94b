import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import {
  ConfigurationError,
  collectSecrets,
  compileConfig,
  isPatchbayError,
  redactConfig,
  Secret,
} from '../../src/index.ts'
import { thrown } from '../_thrown.ts'

const schema = Type.Object(
  {
    url: Type.String({ format: 'uri' }),
    method: Type.Union([Type.Literal('GET'), Type.Literal('POST')], { default: 'POST' }),
    timeoutMs: Type.Integer({ minimum: 1, default: 5000 }),
    auth: Type.Optional(
      Type.Object(
        { username: Type.String(), password: Secret(Type.String({ minLength: 1 })) },
        { additionalProperties: false },
      ),
    ),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: false },
)
const config = compileConfig(schema)

describe('compileConfig', () => {
  it('applies defaults and coerces strings from env vars, without mutating the input', () => {
    const input = Object.freeze({ url: 'https://hooks.example.com/in', timeoutMs: '250' })
    expect(config.parse(input)).toEqual({
      url: 'https://hooks.example.com/in',
      method: 'POST',
      timeoutMs: 250,
    })
    expect(input).toEqual({ url: 'https://hooks.example.com/in', timeoutMs: '250' })
  })

  it('names every bad field, with a reason, in one ConfigurationError', () => {
    const error = thrown(() =>
      config.parse(
        { method: 'PUT', timeoutMs: 0, auth: { username: 'u' }, extra: 1 },
        { plugin: 'webhook@1.0.0', step: 'destinations.crm' },
      ),
    ) as unknown as ConfigurationError
    expect(error).toBeInstanceOf(ConfigurationError)
    expect(error.code).toBe('PB_CONFIG_INVALID')
    expect(error.location).toMatchObject({ plugin: 'webhook@1.0.0', step: 'destinations.crm' })
    expect(error.message).toContain('Invalid config for step "destinations.crm"')
    expect(error.message).toContain('- url is required')
    expect(error.message).toContain('- method must be one of "GET", "POST"')
    expect(error.message).toContain('- timeoutMs must be >= 1')
    expect(error.message).toContain('- auth.password is required')
    expect(error.message).toContain('- extra is not a known field')
  })

  it('points at file positions when the caller can locate fields', () => {
    const error = thrown(() =>
      config.parse(
        { url: 'not a url' },
        {
          step: 'destinations.crm',
          locate: (p) => ({ file: 'pipeline.yaml', line: 7, column: 12 + p.length }),
        },
      ),
    )
    expect(isPatchbayError(error)).toBe(true)
    expect((error as unknown as ConfigurationError).message).toContain(
      'url must be a valid uri (pipeline.yaml:7:16)',
    )
    expect((error as unknown as ConfigurationError).location).toMatchObject({
      file: 'pipeline.yaml',
      line: 7,
      field: '/url',
    })
  })

  it('lists issues without throwing, for `patchbay validate`', () => {
    expect(config.issues({ url: 'https://x.example' })).toEqual([])
    expect(config.issues({})).toEqual([{ path: '/url', message: 'is required' }])
  })
})

describe('secrets', () => {
  const value = { url: 'https://x.example', auth: { username: 'ann', password: 's3cr3t-pass' } }

  it('collects secret values so they can be scrubbed from any text', () => {
    expect(collectSecrets(schema, value)).toEqual(['s3cr3t-pass'])
    expect(config.secrets(value)).toEqual(['s3cr3t-pass'])
  })

  it('redacts a copy of the config and leaves the original alone', () => {
    expect(redactConfig(schema, value)).toEqual({
      url: 'https://x.example',
      auth: { username: 'ann', password: '[redacted]' },
    })
    expect(value.auth.password).toBe('s3cr3t-pass')
  })

  it('marks secret fields for UIs as write-only', () => {
    expect(schema.properties.auth.properties.password).toMatchObject({
      secret: true,
      writeOnly: true,
      type: 'string',
    })
  })

  it('finds secrets inside unions, arrays and records', () => {
    const nested = Type.Object({
      auth: Type.Union([
        Type.Object({ token: Secret(Type.String()) }),
        Type.Object({ none: Type.Boolean() }),
      ]),
      keys: Type.Array(Secret(Type.String())),
      byHost: Type.Record(Type.String(), Secret(Type.String())),
    })
    expect(
      collectSecrets(nested, { auth: { token: 't1' }, keys: ['k1', 'k2'], byHost: { a: 'h1' } }).sort(),
    ).toEqual(['h1', 'k1', 'k2', 't1'])
  })
})
