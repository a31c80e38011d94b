import { type InboundRequest, isPatchbayError, type SourcePlugin } from '@patchbay/core'
import { validateEvent } from '@patchbay/protocol'
import { pluginContext } from './_context.ts'
import { type Finding, pass, violation } from './finding.ts'

export interface RequestFixture {
  name: string
  request: Partial<InboundRequest>
  /** For malformed fixtures: the request must be refused. */
  malformed?: boolean
}

const full = (r: Partial<InboundRequest>): InboundRequest => ({
  method: 'POST',
  url: '/v1/webhook/contract',
  headers: { 'content-type': 'application/json' },
  query: {},
  body: undefined,
  ...r,
})

/**
 * Fixture requests become events that pass protocol validation; malformed ones are refused
 * with a Patchbay error (a 400 for the caller), never a crash.
 */
export async function checkSourceRequests(
  plugin: SourcePlugin,
  config: unknown,
  fixtures: RequestFixture[],
): Promise<Finding[]> {
  const findings: Finding[] = []
  if (!fixtures.some((f) => !f.malformed))
    findings.push(
      violation(
        'request fixtures',
        'A source has at least one request fixture (fixtures/requests/*.json) to check its events against the protocol.',
        'none was found',
        'Add fixtures/requests/<name>.json with { "request": { "body": ... } }.',
      ),
    )
  for (const fixture of fixtures) {
    const rule = `${fixture.malformed ? 'malformed request' : 'request'} ${fixture.name}`
    try {
      const result = await plugin.parse(full(fixture.request), pluginContext(plugin, config) as never)
      if (fixture.malformed) {
        findings.push(
          violation(
            rule,
            'A malformed request is refused with an InvalidEventError (the caller gets a 400).',
            `it made ${result.events.length} events`,
            'Validate the body and throw InvalidEventError with what was wrong.',
          ),
        )
        continue
      }
      const bad = result.events
        .map((event, i) => ({ i, r: validateEvent(event) }))
        .filter((x) => !x.r.ok)
        .map((x) => `event ${x.i}: ${x.r.ok ? '' : x.r.errors.map((e) => e.message).join('; ')}`)
      findings.push(
        bad.length === 0 && result.events.length > 0
          ? pass(rule)
          : violation(
              rule,
              'Every event a source makes passes @patchbay/protocol validation.',
              bad.length ? bad.join(' | ') : 'it made no events',
              'Fill type, an identity (userId or anonymousId) and the call fields.',
            ),
      )
    } catch (error) {
      findings.push(
        fixture.malformed && isPatchbayError(error)
          ? pass(rule, error.message)
          : violation(
              rule,
              fixture.malformed
                ? 'A malformed request is refused with an InvalidEventError, not a crash.'
                : 'A valid request fixture parses.',
              `it threw ${(error as Error)?.name}: ${(error as Error)?.message}`,
              'Throw InvalidEventError (from @patchbay/core) with what is wrong with the request.',
            ),
      )
    }
  }
  return findings
}
