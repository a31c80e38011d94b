import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  checkConfigSchema,
  checkDeliveryClassification,
  checkEventTypes,
  checkExamples,
  checkLifecycle,
  checkManifest,
  checkRequests,
  checkSecretsNotLeaked,
  checkSourceRequests,
  checkTransformation,
  type Finding,
  loadFixtures,
} from '../src/index.ts'
import * as p from './_plugins.ts'

const failures = (findings: Finding[]) => findings.filter((f) => !f.ok)
const only = (findings: Finding[], rule: string) => findings.find((f) => f.rule === rule)!
const cfg = { url: 'https://hooks.example.com/in', token: 'tok_example_123' }

describe('a plugin that keeps the contract passes every check', () => {
  it('destination', async () => {
    const all = [
      ...checkManifest(p.good),
      ...checkConfigSchema(p.good),
      ...checkExamples(p.good),
      ...(await checkEventTypes(p.good, cfg)),
      ...(await checkRequests(p.good, cfg)),
      ...(await checkDeliveryClassification(p.good, cfg)),
      ...(await checkSecretsNotLeaked(p.good, p.good.examples!)),
      ...(await checkLifecycle(p.good, cfg)),
    ]
    expect(failures(all)).toEqual([])
    expect(all.length).toBeGreaterThan(20)
  })

  it('source and transformation', async () => {
    const sourceFindings = await checkSourceRequests(p.goodSource, {}, [
      { name: 'form', request: { body: { email: 'a@example.com' } } },
      { name: 'text', request: { body: 'not json' }, malformed: true },
    ])
    expect(failures(sourceFindings)).toEqual([])
    expect(failures(await checkTransformation(p.goodTransformation, {}))).toEqual([])
  })
})

describe('each broken plugin is caught, with a message that says what to do', () => {
  it('a crash on a supported event type', async () => {
    const f = only(await checkEventTypes(p.crashes, cfg), 'group events')
    expect(f.ok).toBe(false)
    expect(f.message).toContain('transform maps a valid group event or refuses it with InvalidEventError')
    expect(f.message).toContain('what the plugin did: it threw TypeError')
  })

  it('a transform that mutates its (frozen) input', async () => {
    const f = only(await checkEventTypes(p.mutates, cfg), 'track events')
    expect(f.ok).toBe(false)
    expect(f.message).toContain('means transform mutates its input')
  })

  it('output that depends on the clock', async () => {
    const f = only(await checkRequests(p.clock, cfg), 'deterministic')
    expect(f.ok).toBe(false)
    expect(f.message).toContain('Do not read the clock')
  })

  it('I/O inside transform', async () => {
    const f = only(await checkRequests(p.fetches, cfg), 'no I/O in transform')
    expect(f.ok).toBe(false)
    expect(f.message).toMatch(/it made \d+ HTTP requests? while mapping events/)
  })

  it('a relative URL and a body that does not survive JSON', async () => {
    const f = only(await checkRequests(p.relative, cfg), 'well-formed requests')
    expect(f.ok).toBe(false)
    expect(f.message).toContain('URL "/in" is not absolute')
    expect(f.message).toContain('the body does not survive JSON serialisation')
  })

  it('a credential field not marked Secret', () => {
    const f = only(checkConfigSchema(p.unmarked), 'secrets-marked')
    expect(f.ok).toBe(false)
    expect(f.message).toContain('these fields are not marked: /apiKey')
  })

  it('a secret written to the console', async () => {
    const f = only(await checkSecretsNotLeaked(p.leaks, p.leaks.examples!), 'secrets never leak')
    expect(f.ok).toBe(false)
    expect(f.message).toContain('never console.log')
  })

  it('a secret in an error as Basic base64(secret + ":"), the form redaction used to miss', async () => {
    const f = only(
      await checkSecretsNotLeaked(p.leaksBasicAuth, p.leaksBasicAuth.examples!),
      'secrets never leak',
    )
    expect(f.ok).toBe(false)
    expect(f.message).toContain('a planted secret showed up (base64)')
  })

  it('a handleResponse that throws', async () => {
    const f = only(await checkDeliveryClassification(p.mapsEveryAnswerToSuccess, cfg), 'delivery: 200')
    expect(f.ok).toBe(false)
    expect(f.message).toContain('handleResponse decides without throwing')
  })

  it('an example config that does not pass', () => {
    const f = only(checkExamples(p.badExample), 'example 1')
    expect(f.ok).toBe(false)
    expect(f.message).toContain('token is required')
  })

  it('an invalid config fixture the schema accepts, or refuses without naming the field', () => {
    const findings = checkExamples(p.good, [
      { name: 'accepted', config: cfg, field: 'token' },
      { name: 'wrong-field', config: { url: 'https://x.example' }, field: 'region' },
      { name: 'right', config: { url: 'https://x.example' }, field: 'token' },
    ])
    expect(only(findings, 'invalid config accepted').message).toContain('the schema accepted it')
    expect(only(findings, 'invalid config wrong-field').ok).toBe(false)
    expect(only(findings, 'invalid config right').ok).toBe(true)
  })

  it('an unsupported plugin API version, or not a plugin at all', () => {
    expect(only(checkManifest(p.futureApi), 'apiVersion').message).toContain('it declares apiVersion 9')
    expect(checkManifest({ name: 'x' })[0]!.message).toContain('default-exports the result of defineSource')
  })

  it('a source that makes invalid events or crashes on a malformed body', async () => {
    const findings = await checkSourceRequests(p.badSource, {}, [
      { name: 'form', request: { body: { x: 1 } } },
      { name: 'garbage', request: { body: 'nope' }, malformed: true },
    ])
    expect(only(findings, 'request form').message).toContain('track event needs `event`')
    expect(only(findings, 'malformed request garbage').message).toContain(
      'A malformed request is refused with an InvalidEventError',
    )
  })

  it('a transformation that mutates its input or returns invalid events', async () => {
    expect(only(await checkTransformation(p.mutatingTransformation, {}), 'track events').message).toContain(
      'never mutates its input',
    )
    expect(only(await checkTransformation(p.invalidOutput, {}), 'track events').message).toContain(
      'got "purchase"',
    )
  })
})

describe('fixtures', () => {
  it('loads configs, goldens and requests from a folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'contract-'))
    mkdirSync(join(dir, 'configs', 'invalid'), { recursive: true })
    mkdirSync(join(dir, 'golden'))
    writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg))
    writeFileSync(
      join(dir, 'configs', 'invalid', 'no-token.json'),
      JSON.stringify({ config: { url: 'https://x' }, field: 'token' }),
    )
    writeFileSync(
      join(dir, 'golden', 'track.json'),
      JSON.stringify({ event: { type: 'track' }, requests: [] }),
    )
    const f = loadFixtures(dir)
    expect(f.config).toEqual(cfg)
    expect(f.invalidConfigs).toEqual([{ name: 'no-token', config: { url: 'https://x' }, field: 'token' }])
    expect(f.goldens.map((g) => g.name)).toEqual(['track'])
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toContain('tok_example')
    expect(fileURLToPath(new URL('.', import.meta.url))).toBeTruthy()
  })
})
