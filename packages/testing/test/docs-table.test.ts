import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  checkBatchAttribution,
  checkCompatibility,
  checkConfigSchema,
  checkDeliveryClassification,
  checkDriverErrorSecrets,
  checkDriverErrors,
  checkEventTypes,
  checkExamples,
  checkGolden,
  checkIdempotentDelivery,
  checkLifecycle,
  checkManifest,
  checkRequests,
  checkSecretsNotLeaked,
  checkSourceRequests,
  checkTransformation,
  type Finding,
} from '../src/index.ts'
import * as c from './_client-plugins.ts'
import * as p from './_plugins.ts'

// The broken-sample proof: every row of the table in docs/testing-connectors.md names a
// check, and for each there are broken connectors the check catches. A row without a proof
// here fails this test, and so does a proof whose connector is no longer caught.

const docs = readFileSync(new URL('../../../docs/testing-connectors.md', import.meta.url), 'utf8')
const rows = [...docs.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]!)

const cfg = { url: 'https://hooks.example.com/in', token: 'tok_example_123' }
const failing = (findings: Finding[]) => findings.filter((f) => !f.ok)
const event = { type: 'track', event: 'Order Completed', userId: 'user-1', messageId: 'golden-1' }
const golden = (fields: Record<string, unknown>) => ({ name: 'g', file: 'golden/g.json', ...fields })
const goldenFindings = async (
  plugin: Parameters<typeof checkGolden>[0],
  fields: Record<string, unknown>,
  rule: string,
) => (await checkGolden(plugin, golden(fields), cfg)).findings.filter((f) => f.rule === rule)

/** For each row: broken connectors, each with the findings its check reports. */
const PROOFS: Record<string, Array<() => Promise<Finding[]> | Finding[]>> = {
  manifest: [
    () => checkManifest(p.futureApi),
    () => checkManifest({ name: 'x' }),
    () => checkManifest(p.good, { name: 'good-destination', version: '2.0.0' }),
  ],
  'config-schema': [() => checkConfigSchema(p.badSchema)],
  'secrets-marked': [() => checkConfigSchema(p.unmarked), () => checkConfigSchema(p.credentialNames)],
  examples: [
    () => checkExamples(p.badExample),
    () => checkExamples(p.good, [{ name: 'accepted', config: cfg, field: 'token' }]),
  ],
  lifecycle: [() => checkLifecycle(p.brokenByClose, {})],
  'secrets-leak': [
    () => checkSecretsNotLeaked(p.leaks, p.leaks.examples!),
    () => checkSecretsNotLeaked(p.stdoutDestination, p.stdoutDestination.examples!),
    () => checkSecretsNotLeaked(p.stderrTransformation, p.stderrTransformation.examples!),
    () => checkSecretsNotLeaked(p.leakySource, p.leakySource.examples!),
    () => checkSecretsNotLeaked(p.leakyCheck, p.leakyCheck.examples!),
  ],
  'event-types': [
    () => checkEventTypes(p.crashes, cfg),
    () => checkEventTypes(p.mutates, cfg),
    () => checkEventTypes(p.deletesIp, cfg),
    () => checkEventTypes(p.assumesContext, cfg),
  ],
  requests: [
    () => checkRequests(p.relative, cfg),
    () => checkRequests(p.clock, cfg),
    () => checkRequests(p.fetches, cfg),
    () => checkRequests(p.onlySamples, cfg),
  ],
  'batch-attribution': [() => checkBatchAttribution(p.indexesFilteredCopy, cfg)],
  delivery: [
    () => checkDeliveryClassification(p.retries400, cfg),
    () => checkDeliveryClassification(p.givesUpOn503, cfg),
    () => checkDeliveryClassification(p.swallows5xx, cfg),
    () => checkDeliveryClassification(p.mapsEveryAnswerToSuccess, cfg),
  ],
  goldens: [
    () => goldenFindings(p.good, { event, requests: [] }, 'golden g'),
    async () =>
      (await checkGolden(p.invalidOutput, golden({ in: [event], out: [event] }), {})).findings.filter(
        (f) => f.rule === 'golden g',
      ),
    async () =>
      (
        await checkGolden(p.goodSource, golden({ request: { body: 'text' }, events: [] }), {})
      ).findings.filter((f) => f.rule === 'golden g'),
  ],
  determinism: [
    () => goldenFindings(p.counts, { event, requests: [] }, 'golden g deterministic'),
    () => goldenFindings(p.readsClock, { event, requests: [] }, 'golden g clock and randomness'),
  ],
  'source-requests': [
    () =>
      checkSourceRequests(p.badSource, {}, [
        { name: 'form', request: { body: { x: 1 } } },
        { name: 'garbage', request: { body: 'nope' }, malformed: true },
      ]),
  ],
  transformation: [
    () => checkTransformation(p.mutatingTransformation, {}),
    () => checkTransformation(p.invalidOutput, {}),
    () => checkTransformation(p.dropsSamples, {}),
  ],
  'driver-errors': [
    () => checkDriverErrors(c.everythingPermanent, c.goodClient.examples![0]),
    () => checkDriverErrors(c.fragileClassify, c.goodClient.examples![0]),
    () =>
      checkDriverErrors(c.goodClient, c.goodClient.examples![0], [
        { name: 'unique-violation', error: { message: 'duplicate key', code: '23505' }, retryable: true },
      ]),
  ],
  'driver-error-secrets': [() => checkDriverErrorSecrets(c.printsDriverErrors, c.goodClient.examples!)],
  repeats: [() => checkIdempotentDelivery(c.notIdempotent, c.goodClient.examples![0])],
  upgrades: [
    () => checkCompatibility(p.v1breaking, p.v1),
    () => checkCompatibility(p.v2unmigrated, p.v1),
    () => checkCompatibility(p.renamedWithDefault, p.withRegion),
    () => checkCompatibility(p.narrowed, p.withRegion),
    () =>
      checkCompatibility(p.migrationDropsToken, p.withRegion, [
        { file: 'previous/configs/eu.json', config: { url: 'https://eu.example', token: 't0ken' } },
      ]),
  ],
}

describe('docs/testing-connectors.md: every check in the table catches a broken connector', () => {
  it('the table and the proofs name the same checks', () => {
    expect(rows.length).toBeGreaterThan(10)
    expect([...rows].sort()).toEqual(Object.keys(PROOFS).sort())
  })

  for (const [row, proofs] of Object.entries(PROOFS))
    it(`${row}: each of its ${proofs.length} broken connectors is caught`, async () => {
      for (const [i, proof] of proofs.entries())
        expect(failing(await proof()).length, `${row} proof ${i + 1} was not caught`).toBeGreaterThan(0)
    })
})
