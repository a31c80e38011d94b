import {
  collectSecrets,
  createDeliverer,
  createMemoryTransport,
  type DestinationPlugin,
  type HttpRequest,
  type HttpResponse,
  isPatchbayError,
  resolveDeliveryOptions,
} from '@patchbay/core'
import { pluginContext } from './_context.ts'
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
export async function checkDeleteUsers(plugin: DestinationPlugin, config: unknown): Promise<Finding[]> {
  const hook = plugin.deleteUsers
  if (!hook) return [pass('deleteUsers', 'no hook: the gateway records deletions here as unsupported')]
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
