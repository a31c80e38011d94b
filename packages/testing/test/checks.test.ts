import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  checkBatchAttribution,
  checkConfigSchema,
  checkDeliveryClassification,
  checkDriverErrorSecrets,
  checkDriverErrors,
  checkEventTypes,
  checkExamples,
  checkIdempotentDelivery,
  checkLifecycle,
  checkManifest,
  checkRequests,
  checkSecretsNotLeaked,
  checkSourceRequests,
  checkTransformation,
  type Finding,
  loadFixtures,
} from '../src/index.ts'
import * as c from './_client-plugins.ts'
import * as p from './_plugins.ts'

const failures = (findings: Finding[]) => findings.filter((f) => !f.ok)
const only = (findings: Finding[], rule: string) => findings.find((f) => f.rule === rule)!
const cfg = { url: 'https://hooks.example.com/in', token: 'tok_example_123' }

describe('a plugin that keeps the contract passes every check', () => {
  it('client destination', async () => {
    const config = c.goodClient.examples![0]
    const all = [
      ...checkManifest(c.goodClient),
      ...checkConfigSchema(c.goodClient),
      ...checkExamples(c.goodClient),
      ...(await checkLifecycle(c.goodClient, config)),
      ...(await checkSecretsNotLeaked(c.goodClient, c.goodClient.examples!)),
      ...(await checkDriverErrors(c.goodClient, config, [
        {
          name: 'admin-shutdown',
          error: { message: 'terminating connection', code: '57P01' },
          retryable: true,
        },
        { name: 'unique-violation', error: { message: 'duplicate key', code: '23505' }, retryable: false },
      ])),
      ...(await checkDriverErrorSecrets(c.goodClient, c.goodClient.examples!)),
      ...(await checkIdempotentDelivery(c.goodClient, config)),
    ]
    expect(failures(all)).toEqual([])
    expect(only(all, 'driver errors classified').message).toContain('2 fixture(s)')
  })

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
    expect(f.message).toContain('transform maps every valid group event')
    expect(f.message).toContain('or refuses it with InvalidEventError')
    expect(f.message).toMatch(/what the plugin did: on group\/sample it threw TypeError/)
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

describe('issue 14: defects that escaped checks the docs claimed', () => {
  it('1. a handleResponse that reverses the policy: retries a 400, gives up on a 503, delivers a 5xx, aborts a 429', async () => {
    const f400 = only(await checkDeliveryClassification(p.retries400, cfg), 'delivery: 400')
    expect(f400.ok).toBe(false)
    expect(f400.message).toContain('a 400 is never retried')
    const f503 = only(await checkDeliveryClassification(p.givesUpOn503, cfg), 'delivery: 503')
    expect(f503.ok).toBe(false)
    expect(f503.message).toContain('503 is always retried')
    const swallowed = failures(await checkDeliveryClassification(p.swallows5xx, cfg)).map((f) => f.rule)
    expect(swallowed).toEqual(['delivery: 429 with Retry-After', 'delivery: 500', 'delivery: 503'])
  })

  it('1. a handleResponse that refines the policy in its direction passes', async () => {
    expect(failures(await checkDeliveryClassification(p.partial400, cfg))).toEqual([])
  })

  it('3. in-place mutation is caught even after checks that ran the samples through the engine', async () => {
    // The order describeConnector runs them in: the engine-based checks come first.
    await checkLifecycle(p.deletesIp, cfg)
    await checkSecretsNotLeaked(p.deletesIp, p.deletesIp.examples!)
    const f = only(await checkEventTypes(p.deletesIp, cfg), 'track events')
    expect(f.ok).toBe(false)
    expect(f.message).toContain("Cannot delete property 'ip'")
    expect(f.message).toContain('means transform mutates its input')
  })

  it('4. a batch plan whose indices point at the wrong events is caught; sorting in place is not misattributed', async () => {
    const f = only(
      await checkBatchAttribution(p.indexesFilteredCopy, cfg),
      'batch outcomes on the right events',
    )
    expect(f.ok).toBe(false)
    expect(f.message).toMatch(
      /contract-track-1-batch: failed \(needs a userId\) in the batch, delivered alone/,
    )
    expect(failures(await checkBatchAttribution(p.sortsBatchInPlace, cfg))).toEqual([])
  })

  it('5. credentials named writeKey, accessToken, client_secret, signingKey, password are flagged; partitionKey, tokenUrl, apiKeyId are not', () => {
    const f = only(checkConfigSchema(p.credentialNames), 'secrets-marked')
    expect(f.ok).toBe(false)
    expect(f.message).toContain(
      'these fields are not marked: /writeKey, /accessToken, /client_secret, /auth/signingKey, /auth/password',
    )
    expect(f.message).not.toMatch(/partitionKey|tokenUrl|apiKeyId/)
  })

  it('the manifest drifting from package.json (name or version)', () => {
    const f = only(
      checkManifest(p.good, { name: '@acme/good-destination', version: '1.1.0', file: '/x/package.json' }),
      'manifest matches package.json',
    )
    expect(f.ok).toBe(false)
    expect(f.message).toContain(
      'the manifest says name "good-destination" vs "@acme/good-destination" and version "1.0.0" vs "1.1.0"',
    )
    expect(f.message).toContain('/x/package.json')
    expect(
      only(
        checkManifest(p.good, { name: 'good-destination', version: '1.0.0' }),
        'manifest matches package.json',
      ).ok,
    ).toBe(true)
  })

  it('a plugin that close() leaves broken for the next pipeline', async () => {
    const f = only(await checkLifecycle(p.brokenByClose, {}), 'load, run, close twice')
    expect(f.ok).toBe(false)
    expect(f.message).toContain('the second run differed')
    expect(f.message).toContain('the connection pool is closed')
  })
})

describe('leaks from every kind and every channel', () => {
  const leak = async (plugin: Parameters<typeof checkSecretsNotLeaked>[0]) =>
    only(await checkSecretsNotLeaked(plugin, plugin.examples!), 'secrets never leak')

  it('a source that puts its signing secret in an error', async () => {
    const f = await leak(p.leakySource)
    expect(f.ok).toBe(false)
    expect(f.message).toContain('bad signature: expected pbsecret0x')
  })

  it('a transformation that writes its token to process.stderr', async () => {
    const f = await leak(p.stderrTransformation)
    expect(f.ok).toBe(false)
    expect(f.message).toContain('enriching with pbsecret0x')
  })

  it('a destination that writes its token to process.stdout', async () => {
    const f = await leak(p.stdoutDestination)
    expect(f.ok).toBe(false)
    expect(f.message).toContain('Bearer pbsecret0x')
  })

  it('a connection check that prints the credential it tries', async () => {
    const f = await leak(p.leakyCheck)
    expect(f.ok).toBe(false)
    expect(f.message).toContain('checking https://hooks.example.com/in with pbsecret0x')
    expect((await leak(p.quietCheck)).ok).toBe(true)
  })

  it('plugins that keep their secrets pass, and the output streams are restored', async () => {
    expect((await leak(p.good)).ok).toBe(true)
    expect((await leak(p.goodSource)).ok).toBe(true)
    expect(process.stdout.write).not.toBe(undefined)
    expect(String(process.stdout.write)).not.toContain('seen.push')
  })
})

describe('the generated corpus: passing the six fixed samples is not enough', () => {
  it('a destination that maps the fixed samples and breaks everything else', async () => {
    const f = only(await checkRequests(p.onlySamples, cfg), 'well-formed requests')
    expect(f.ok).toBe(false)
    expect(f.message).toMatch(/track\/minimal: URL "hooks.example.com\/in" is not absolute/)
  })

  it('a destination that assumes an optional field is there', async () => {
    const f = only(await checkEventTypes(p.assumesContext, cfg), 'track events')
    expect(f.ok).toBe(false)
    expect(f.message).toMatch(/on track\/minimal it threw TypeError/)
  })

  it('a transformation that drops the fixed samples and breaks the rest', async () => {
    const f = only(await checkTransformation(p.dropsSamples, {}), 'identify events')
    expect(f.ok).toBe(false)
    expect(f.message).toMatch(/on identify\/minimal it returned .*got "identified"/)
  })
})
