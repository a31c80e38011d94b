import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import {
  createLogger,
  createPipeline,
  createRedactor,
  createSecretMatcher,
  defineTransformation,
  type LogRecord,
  REDACTED,
  Secret,
} from '../../src/index.ts'
import { pipeline, registry } from '../engine/_plugins.ts'

const SECRET = String.raw`tok "q\uo~te" ü+/=`

describe('the logger', () => {
  it('redacts raw secrets in fields: nested, in keys, in errors and their causes', () => {
    const records: LogRecord[] = []
    const logger = createLogger({
      scope: 's',
      sink: (r) => records.push(r),
      scrub: createRedactor([SECRET]).string,
    })
    const cause = new Error(`upstream said Basic ${Buffer.from(`${SECRET}:`).toString('base64')}`)
    logger.warn(`sending ${SECRET}`, {
      request: { headers: { 'x-key': SECRET } },
      [SECRET]: 1,
      error: new Error('failed', { cause }),
    })
    expect(records[0]).toEqual({
      level: 'warn',
      scope: 's',
      message: `sending ${REDACTED}`,
      fields: {
        request: { headers: { 'x-key': REDACTED } },
        [REDACTED]: 1,
        error: {
          name: 'Error',
          message: 'failed',
          cause: { name: 'Error', message: `upstream said Basic ${REDACTED}` },
        },
      },
    })
  })
})

const leaky = defineTransformation({
  name: '@test/transformation-leaky',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({ apiKey: Secret(Type.String()) }),
  transformEvent: (_event, { config, logger }) => {
    logger.info('calling the enrichment API', { key: config.apiKey })
    throw new Error(`enrichment refused ${JSON.stringify({ key: config.apiKey })}`)
  },
})

describe('the pipeline', () => {
  it("redacts a transformation's secret from its failure, in process() and transform(), and from logs", async () => {
    const logs: LogRecord[] = []
    const p = await createPipeline(
      pipeline(`
transformations:
  - id: leaky
    use: "@test/transformation-leaky"
    config: { apiKey: ${JSON.stringify(SECRET)} }
destinations:
  - id: crm
    use: "@test/destination-collect@1"
    config: { url: "https://crm.example/in", token: "abc" }
`),
      { registry: registry().add(leaky), logSink: (r) => logs.push(r) },
    )
    try {
      const event = { type: 'track', event: 'A', userId: 'u1', messageId: 'm-1' }
      const outcomes = await p.process([event])
      const staged = await p.transform([event])
      const matcher = createSecretMatcher([SECRET])
      expect(outcomes[0]!.error!.message).toContain(`enrichment refused {"key":"${REDACTED}"}`)
      expect(matcher.find(JSON.stringify(outcomes))).toBeUndefined()
      expect(matcher.find(JSON.stringify(staged))).toBeUndefined()
      expect(staged.stopped[0]!.error!.message).toContain(REDACTED)
      expect(matcher.find(JSON.stringify(logs))).toBeUndefined()
      expect(p.redactor.string(`x ${SECRET}`)).toBe(`x ${REDACTED}`)
      // The destination's 3-character token cannot be redacted: the operator is told at load.
      expect(logs.filter((r) => r.level === 'warn').map((r) => r.message)).toEqual([
        'destinations.crm: the secret at /token is shorter than 4 characters, so it is not redacted from logs, errors or records (every 3-character match would be blanked). Use a longer secret.',
      ])
    } finally {
      await p.close()
    }
  })
})
