import {
  type ClientDestinationPlugin,
  collectSecrets,
  createDeliverer,
  createMemoryTransport,
  createPipeline,
  type DestinationPlugin,
  type HttpRequest,
  type HttpResponse,
  isClientDestination,
  isPatchbayError,
  resolveDeliveryOptions,
} from '@patchbay/core'
import { pluginContext } from './_context.ts'
import { pipelineFor, registryFor } from './_engine.ts'
import { SAMPLE_EVENTS } from './_samples.ts'
import { type Finding, pass, violation } from './finding.ts'

/** Identifiers as a regulation names them, frozen as the engine hands them over. */
const IDENTIFIERS = Object.freeze([
  Object.freeze({ type: 'userId', value: 'contract-user-1' }),
  Object.freeze({ type: 'anonymousId', value: 'contract-anon-1' }),
  Object.freeze({ type: 'email', value: 'contract.user+1@example.com' }),
])

/** Answers to a deletion request and what the policy makes of them. */
const ANSWERS: Array<{ name: string; status: number; expect: 'delivered' | 'retryable' | 'aborted' }> = [
  { name: '200', status: 200, expect: 'delivered' },
  { name: '503', status: 503, expect: 'retryable' },
  { name: '429', status: 429, expect: 'retryable' },
  { name: '400', status: 400, expect: 'aborted' },
]

/**
 * The `deleteUsers` hook (plugin API 3): it returns well-formed requests (or null) without
 * changing its input, its requests are classified like deliveries (a 5xx or 429 is retried,
 * another 4xx fails the deletion), and what it throws names no secret of the config.
 */
export async function checkDeleteUsers(
  plugin: DestinationPlugin | ClientDestinationPlugin,
  config: unknown,
): Promise<Finding[]> {
  if (!plugin.deleteUsers)
    return [pass('deleteUsers', 'no hook: the gateway records deletions here as unsupported')]
  if (isClientDestination(plugin)) return checkClientDeleteUsers(plugin, config)
  const hook = plugin.deleteUsers
  const secrets = collectSecrets(plugin.config, config).filter((s) => s.length >= 4)
  let requests: HttpRequest[]
  try {
    const out = await hook(IDENTIFIERS as never, pluginContext(plugin, config) as never)
    requests = out === null || out === undefined ? [] : Array.isArray(out) ? out : [out]
  } catch (error) {
    const message = String((error as Error)?.message ?? error)
    const leaked = secrets.filter((s) => message.includes(s))
    if (leaked.length > 0)
      return [
        violation(
          'deleteUsers: no secrets in errors',
          'What deleteUsers throws never holds a secret of the config.',
          `it threw a message holding ${leaked.length} secret value(s)`,
          'Name the field, never its value.',
        ),
      ]
    return [
      isPatchbayError(error)
        ? pass('deleteUsers', `refused with ${error.code} for the contract config: ${message}`)
        : violation(
            'deleteUsers',
            'deleteUsers returns requests or null, or throws a Patchbay error (it does not crash).',
            `it threw ${(error as Error)?.name ?? typeof error}: ${message}`,
            'Throw a PatchbayError (e.g. ConfigurationError) for a config that cannot delete; a TypeError on a frozen input means the hook changes its identifiers.',
          ),
    ]
  }
  const findings: Finding[] = []
  const bad = requests.filter((r) => typeof r?.method !== 'string' || !/^https?:\/\//.test(String(r?.url)))
  findings.push(
    bad.length === 0
      ? pass('deleteUsers: requests', `${requests.length} request(s)`)
      : violation(
          'deleteUsers: requests',
          'Every deletion request has a method and an absolute http(s) URL.',
          JSON.stringify(bad[0])?.slice(0, 200) ?? 'undefined',
          'Return { method, url, headers?, body? } objects, like transform.',
        ),
  )
  const request = requests[0]
  if (!request || bad.length > 0) return findings
  for (const answer of ANSWERS) {
    const deliverer = createDeliverer({
      transport: createMemoryTransport(() => ({ status: answer.status, headers: {}, body: '{}' })),
      options: resolveDeliveryOptions({ retry: { maxAttempts: 1 } }),
      label: 'contract',
    })
    const handle = plugin.handleResponse
    const result = await deliverer.deliver(request, {
      ...(handle
        ? {
            handleResponse: (response: HttpResponse, req: HttpRequest) => {
              const verdict = handle(response, {
                ...pluginContext(plugin, config),
                request: req,
                events: 0,
              } as never)
              return Array.isArray(verdict) ? 'delivered' : verdict
            },
          }
        : {}),
    })
    const got =
      result.status === 'delivered'
        ? 'delivered'
        : result.error?.family === 'retryable'
          ? 'retryable'
          : 'aborted'
    const rule = `deleteUsers: ${answer.name}`
    findings.push(
      got === answer.expect
        ? pass(rule, got)
        : violation(
            rule,
            `a ${answer.name} answer to a deletion request is ${answer.expect}: the gateway retries retryable deletions and records the others as failed.`,
            `it came out ${got}`,
            'Follow the delivery policy in docs/errors-and-retries.md.',
          ),
    )
  }
  return findings
}

/**
 * A client destination's `deleteUsers` (plugin API 3), against the real service of the
 * config, through a pipeline as the gateway runs it (one attempt): after events of the
 * contract user are delivered, deleting the user is done; deleting again (a retry after a
 * partial failure) and deleting users never seen are done too; delivering afterwards still
 * works; a failure names no secret of the config. That the rows are gone is the
 * destination's own test to show (it can read its service).
 */
async function checkClientDeleteUsers(plugin: ClientDestinationPlugin, config: unknown): Promise<Finding[]> {
  const secrets = collectSecrets(plugin.config, config).filter((s) => s.length >= 4)
  const events = plugin.supports.map((t) => ({
    ...SAMPLE_EVENTS[t],
    messageId: `contract-delete-${t}`,
    userId: IDENTIFIERS[0]!.value,
    anonymousId: IDENTIFIERS[1]!.value,
    context: { traits: { email: IDENTIFIERS[2]!.value } },
  }))
  const problems: string[] = []
  let leaked = 0
  const pipeline = await createPipeline(pipelineFor(plugin, config), {
    registry: registryFor(plugin),
    singleAttempt: true,
  })
  try {
    const id = pipeline.destinations[0]!.id
    for (const o of await pipeline.process(events))
      if (o.status !== 'delivered') problems.push(`delivering the user's events: ${o.messageId} ${o.status}`)
    for (const [what, identifiers] of [
      ['deleting the user', IDENTIFIERS],
      ['deleting the user again', IDENTIFIERS],
      ['deleting users never seen', [{ type: 'userId', value: 'contract-never-seen' }]],
    ] as const) {
      const outcome = await pipeline.deleteUsers(id, identifiers)
      if (outcome.status === 'done') continue
      const text =
        outcome.status === 'failed' ? `${outcome.error.code}: ${outcome.error.message}` : outcome.status
      leaked += secrets.filter((s) => text.includes(s)).length
      problems.push(`${what}: ${text}`)
    }
    for (const o of await pipeline.process(events))
      if (o.status !== 'delivered') problems.push(`delivering after the deletion: ${o.messageId} ${o.status}`)
  } catch (error) {
    const message = String((error as Error)?.message ?? error)
    leaked += secrets.filter((s) => message.includes(s)).length
    problems.push(`it threw: ${message}`)
  } finally {
    await pipeline.close()
  }
  if (leaked > 0)
    return [
      violation(
        'deleteUsers: no secrets in errors',
        'What deleteUsers throws never holds a secret of the config.',
        `a failure held ${leaked} secret value(s)`,
        'Mark the field Secret() in the config schema, and name the field, never its value.',
      ),
    ]
  return [
    problems.length === 0
      ? pass('deleteUsers: client', 'deleted, deleted again, deleted unknown users, delivered afterwards')
      : violation(
          'deleteUsers: client',
          "deleteUsers deletes through the destination's client, idempotently: a retry, or users never seen, is done, and the destination still delivers afterwards.",
          problems.slice(0, 4).join('; '),
          'Delete with statements that match nothing the second time (DELETE ... WHERE id IN (...)), in one transaction, with the identifiers bound as parameters.',
        ),
  ]
}
