import {
  createDeliverer,
  createMemoryTransport,
  type DestinationPlugin,
  type HttpRequest,
  type HttpResponse,
  isPatchbayError,
  resolveDeliveryOptions,
} from '@patchbay/core'
import { EVENT_TYPES } from '@patchbay/protocol'
import { http, HttpResponse as MswResponse } from 'msw'
import { setupServer } from 'msw/node'
import { pluginContext } from './_context.ts'
import { corpusOf } from './_corpus.ts'
import { SAMPLE_EVENTS } from './_samples.ts'
import { type Finding, pass, violation } from './finding.ts'

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])

async function mapOne(
  plugin: DestinationPlugin,
  config: unknown,
  input: (typeof EVENT_TYPES)[number] | object,
) {
  const event = typeof input === 'string' ? SAMPLE_EVENTS[input] : input // both deep-frozen
  const out = await plugin.transform(event as never, pluginContext(plugin, config) as never)
  return out === null || out === undefined ? [] : Array.isArray(out) ? out : [out]
}

/** Every event type is mapped or refused with a Patchbay error; nothing else is thrown. */
export async function checkEventTypes(plugin: DestinationPlugin, config: unknown): Promise<Finding[]> {
  const supports = plugin.supports as readonly string[]
  const findings: Finding[] = []
  for (const type of EVENT_TYPES) {
    const rule = `${type} events`
    if (!supports.includes(type)) {
      findings.push(pass(rule, 'not in supports: the engine refuses them with UnsupportedEventError'))
      continue
    }
    const refused: string[] = []
    const crashed: string[] = []
    for (const { name, event } of corpusOf(type)) {
      try {
        await mapOne(plugin, config, event)
      } catch (error) {
        if (isPatchbayError(error)) refused.push(`${name}: ${error.message}`)
        else
          crashed.push(
            `on ${name} it threw ${(error as Error)?.name ?? typeof error}: ${(error as Error)?.message ?? String(error)}`,
          )
      }
    }
    findings.push(
      crashed.length === 0
        ? pass(rule, refused.length ? `refused ${refused.join('; ')}` : undefined)
        : violation(
            rule,
            `transform maps every valid ${type} event (minimal, full, unicode, large, odd characters) or refuses it with InvalidEventError (it does not crash).`,
            crashed.slice(0, 3).join('; '),
            `Handle ${type} events, throw InvalidEventError for ones you cannot map, or remove '${type}' from supports. A TypeError on a frozen input means transform mutates its input: return new objects. Optional fields may be missing.`,
          ),
    )
  }
  return findings
}

/** Requests are well-formed, transform is deterministic and does no I/O. */
export async function checkRequests(plugin: DestinationPlugin, config: unknown): Promise<Finding[]> {
  const findings: Finding[] = []
  // Every outgoing request is answered with a network error (never sent) and counted.
  const server = setupServer(http.all('*', () => MswResponse.error()))
  let io = 0
  server.events.on('request:start', () => {
    io++
  })
  server.listen({ onUnhandledFrame: 'bypass' })
  const first: Record<string, unknown> = {}
  const second: Record<string, unknown> = {}
  const problems: string[] = []
  try {
    for (const { name, event } of plugin.supports.flatMap(corpusOf)) {
      try {
        const requests = (await mapOne(plugin, config, event)) as HttpRequest[]
        first[name] = requests
        for (const r of requests) problems.push(...requestProblems(r, name))
        second[name] = await mapOne(plugin, config, event)
      } catch {
        // refusals are checked by checkEventTypes
      }
    }
    await new Promise((r) => setTimeout(r, 20)) // let fire-and-forget I/O start
  } finally {
    server.close()
  }
  findings.push(
    problems.length === 0
      ? pass('well-formed requests')
      : violation(
          'well-formed requests',
          'Each request has a valid method (GET, POST, PUT, PATCH, DELETE), an absolute http(s) URL and a body that survives JSON serialisation.',
          `${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`,
          'Build absolute URLs from the config, and put only JSON values (no Dates, Maps, functions, undefined) in bodies.',
        ),
  )
  findings.push(
    JSON.stringify(first) === JSON.stringify(second)
      ? pass('deterministic')
      : violation(
          'deterministic',
          'transform is pure: the same event and config give the same requests.',
          `two calls gave different requests: ${JSON.stringify(first).slice(0, 300)} vs ${JSON.stringify(second).slice(0, 300)}`,
          'Do not read the clock, random numbers or mutable state in transform; take ids and times from the event.',
        ),
  )
  findings.push(
    io === 0
      ? pass('no I/O in transform')
      : violation(
          'no I/O in transform',
          'transform only builds requests; it never sends them (delivery does, with retries and the egress policy).',
          `it made ${io} HTTP request${io === 1 ? '' : 's'} while mapping events`,
          'Return the request from transform instead of calling fetch; use handleResponse to read answers.',
        ),
  )
  return findings
}

function requestProblems(r: HttpRequest, type: string): string[] {
  const out: string[] = []
  if (!r || typeof r !== 'object') return [`${type}: returned ${String(r)} instead of a request`]
  if (!METHODS.has(r.method)) out.push(`${type}: method ${JSON.stringify(r.method)}`)
  try {
    if (!/^https?:$/.test(new URL(r.url).protocol)) out.push(`${type}: URL ${r.url} is not http(s)`)
  } catch {
    out.push(`${type}: URL ${JSON.stringify(r.url)} is not absolute`)
  }
  if (r.body !== undefined && typeof r.body !== 'string') {
    const round = JSON.stringify(r.body)
    if (
      round === undefined ||
      JSON.stringify(JSON.parse(round)) !== round ||
      !sameJson(r.body, JSON.parse(round))
    )
      out.push(`${type}: the body does not survive JSON serialisation`)
  }
  return out
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a instanceof Date || a instanceof Map || a instanceof Set) return false
  if (typeof a !== typeof b) return false
  if (a && typeof a === 'object') {
    const keys = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined)
    return keys.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  }
  return Object.is(a, b) || (typeof a === 'number' && !Number.isFinite(a))
}

interface Scenario {
  name: string
  respond: () => HttpResponse
  expect: 'delivered' | 'retryable' | 'aborted'
}
const SCENARIOS: Scenario[] = [
  { name: '200', respond: () => ({ status: 200, headers: {}, body: { ok: true } }), expect: 'delivered' },
  { name: '400', respond: () => ({ status: 400, headers: {}, body: { error: 'bad' } }), expect: 'aborted' },
  { name: '401', respond: () => ({ status: 401, headers: {}, body: undefined }), expect: 'aborted' },
  { name: '404', respond: () => ({ status: 404, headers: {}, body: undefined }), expect: 'aborted' },
  { name: '408', respond: () => ({ status: 408, headers: {}, body: undefined }), expect: 'retryable' },
  {
    name: '429 with Retry-After',
    respond: () => ({ status: 429, headers: { 'retry-after': '7' }, body: undefined }),
    expect: 'retryable',
  },
  { name: '500', respond: () => ({ status: 500, headers: {}, body: undefined }), expect: 'retryable' },
  { name: '503', respond: () => ({ status: 503, headers: {}, body: undefined }), expect: 'retryable' },
  {
    name: 'a timeout',
    respond: () => {
      throw Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' })
    },
    expect: 'retryable',
  },
  {
    name: 'a connection reset',
    respond: () => {
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
    },
    expect: 'retryable',
  },
]

type Verdict = 'delivered' | 'retryable' | 'aborted'

/**
 * The direction of the core policy a handleResponse must keep: 2xx is never retried; 408,
 * 429, 5xx (but 501), timeouts and resets are never delivered or failed for good; other
 * 4xx are never retried, and never delivered as a whole (a per-event array may deliver
 * the records the body does not list as failed).
 */
function directionProblem(s: Scenario, verdicts: Verdict[]): { requires: string } | undefined {
  if (s.expect === 'delivered')
    return verdicts.includes('retryable') ? { requires: `a ${s.name} is never retried.` } : undefined
  if (s.expect === 'retryable')
    return verdicts.every((v) => v === 'retryable')
      ? undefined
      : { requires: `${s.name} is always retried (never delivered, never failed for good).` }
  if (verdicts.includes('retryable')) return { requires: `a ${s.name} is never retried.` }
  if (verdicts.every((v) => v === 'delivered'))
    return { requires: `a ${s.name} is never delivered as a whole (fail the events it rejected).` }
  return undefined
}

/**
 * Each simulated answer comes out delivered, retried or aborted as the core policy says.
 * A plugin's handleResponse (which must not throw) may refine the policy, but only in its
 * direction (see directionProblem).
 */
export async function checkDeliveryClassification(
  plugin: DestinationPlugin,
  config: unknown,
): Promise<Finding[]> {
  const type = plugin.supports.find((t) => t in SAMPLE_EVENTS)
  const requests = type ? ((await mapOne(plugin, config, type).catch(() => [])) as HttpRequest[]) : []
  const request = requests[0]
  if (!request) return [pass('delivery classification', 'no request to deliver for the sample events')]
  const findings: Finding[] = []
  for (const s of SCENARIOS) {
    const deliverer = createDeliverer({
      transport: createMemoryTransport(() => s.respond()),
      options: resolveDeliveryOptions({ retry: { maxAttempts: 1 } }),
      label: 'contract',
    })
    const rule = `delivery: ${s.name}`
    try {
      const handle = plugin.handleResponse
      let raw: unknown
      const result = await deliverer.deliver(request, {
        ...(handle
          ? {
              handleResponse: (response: HttpResponse, req: HttpRequest) => {
                raw = handle(response, { ...pluginContext(plugin, config), request: req, events: 1 } as never)
                return Array.isArray(raw) ? 'delivered' : (raw as never)
              },
            }
          : {}),
      })
      const got: Verdict =
        result.status === 'delivered'
          ? 'delivered'
          : result.error?.family === 'retryable'
            ? 'retryable'
            : 'aborted'
      // What the plugin decided for each event of the request (a per-event array refines).
      const verdicts: Verdict[] = Array.isArray(raw)
        ? raw.length === 0
          ? ['delivered']
          : raw.map(
              (v): Verdict =>
                isPatchbayError(v) ? (v.family === 'retryable' ? 'retryable' : 'aborted') : 'delivered',
            )
        : [got]
      if (!handle || raw === undefined) {
        findings.push(
          got === s.expect
            ? pass(rule, `${got} (the core policy)`)
            : violation(
                rule,
                `${s.name} is ${s.expect} per the core policy.`,
                `it came out ${got}`,
                'Follow the policy in docs/errors-and-retries.md.',
              ),
        )
      } else {
        const wrong = directionProblem(s, verdicts)
        findings.push(
          wrong === undefined
            ? pass(rule, `${verdicts.join(', ')} (the plugin's handleResponse, in the policy's direction)`)
            : violation(
                rule,
                `handleResponse may refine the core policy, not reverse it: ${wrong.requires}`,
                `its handleResponse made it ${verdicts.join(', ')}`,
                'Return undefined to apply the policy; refine only in its direction (e.g. a 400 whose body lists the failed records fails just those). See docs/errors-and-retries.md.',
              ),
        )
      }
      if (
        (!handle || raw === undefined) &&
        s.name === '429 with Retry-After' &&
        (result.error as { retryAfterMs?: number })?.retryAfterMs !== 7000
      )
        findings.push(
          violation(
            rule,
            'Retry-After is honoured.',
            'the retry delay was not 7 s',
            'Do not strip Retry-After.',
          ),
        )
    } catch (error) {
      findings.push(
        violation(
          rule,
          'handleResponse decides without throwing.',
          `it threw: ${(error as Error).message}`,
          'Return undefined, "delivered", an error or a per-event array.',
        ),
      )
    } finally {
      await deliverer.close()
    }
  }
  return findings
}
