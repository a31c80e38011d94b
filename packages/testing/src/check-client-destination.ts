import {
  type ClientDestinationPlugin,
  createPipeline,
  createSecretMatcher,
  defineClientDestination,
  type LogRecord,
  type Outcome,
} from '@patchbay/core'
import { pipelineFor, registryFor } from './_engine.ts'
import { captureOutput, errorText } from './_leak-channels.ts'
import { SAMPLE_EVENTS } from './_samples.ts'
import { plantSecrets } from './check-runtime.ts'
import { type Finding, pass, violation } from './finding.ts'

/**
 * A driver error the destination must classify (`errors/<name>.json`): the error's fields
 * (`message`, and `code`, `errno`, `severity`... as the driver sets them), and whether
 * another attempt may succeed.
 */
export interface DriverErrorFixture {
  name: string
  error: { message: string; name?: string } & Record<string, unknown>
  retryable: boolean
}

/**
 * What every driver says when the network fails: Node's socket errors. A client destination
 * classifies them as retryable, whatever its driver (an outage is never permanent).
 */
export const NETWORK_ERRORS: readonly DriverErrorFixture[] = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
].map((code) => ({
  name: `network ${code}`,
  error: { message: `connect ${code} 127.0.0.1:5432`, code, syscall: 'connect' },
  retryable: true,
}))

const driverError = ({ message, name, ...fields }: DriverErrorFixture['error']) =>
  Object.assign(new Error(message), name ? { name } : {}, fields)

/**
 * The plugin as the runtime runs it, with its own classify and config, but a client that
 * throws `error` on every batch: what the classification gives reaches the outcome (and
 * the logs) through the real engine, one attempt, as the gateway's workers run it.
 */
function throwing(plugin: ClientDestinationPlugin, error: () => unknown) {
  return defineClientDestination({
    name: plugin.name,
    version: plugin.version,
    apiVersion: plugin.apiVersion,
    config: plugin.config,
    supports: plugin.supports,
    ...(plugin.classify ? { classify: plugin.classify } : {}),
    ...(plugin.batch ? { batch: plugin.batch } : {}),
    open: () => ({}),
    deliverBatch: () => {
      throw error()
    },
  })
}

async function outcomesOf(
  plugin: ClientDestinationPlugin,
  config: unknown,
  events: readonly unknown[],
  logs?: string[],
): Promise<Outcome[]> {
  const pipeline = await createPipeline(pipelineFor(plugin, config), {
    registry: registryFor(plugin),
    singleAttempt: true,
    ...(logs ? { logSink: (record: LogRecord) => logs.push(JSON.stringify(record)) } : {}),
  })
  try {
    return await pipeline.process(events as never)
  } finally {
    await pipeline.close()
  }
}

const firstSupported = (plugin: ClientDestinationPlugin) => SAMPLE_EVENTS[plugin.supports[0]!]

/**
 * Driver errors are classified: Node's network errors, and each `errors/<name>.json`
 * fixture, end retryable or permanent as declared; `classify` answers for any thrown
 * value (a string, undefined, an object) and never throws itself.
 */
export async function checkDriverErrors(
  plugin: ClientDestinationPlugin,
  config: unknown,
  fixtures: readonly DriverErrorFixture[] = [],
): Promise<Finding[]> {
  const wrong: string[] = []
  for (const fixture of [...NETWORK_ERRORS, ...fixtures]) {
    const [outcome] = await outcomesOf(
      throwing(plugin, () => driverError(fixture.error)),
      config,
      [firstSupported(plugin)],
    )
    const retryable = outcome?.status === 'failed' && outcome.error?.retryable === true
    if (outcome?.status !== 'failed' || retryable !== fixture.retryable)
      wrong.push(
        `${fixture.name} (${fixture.error.message}) ended ${outcome?.status}${outcome?.error ? ` with ${outcome.error.code}${outcome.error.retryable ? ' (retryable)' : ' (permanent)'}` : ''}, expected ${fixture.retryable ? 'retryable' : 'permanent'}`,
      )
  }
  const odd: string[] = []
  if (plugin.classify)
    for (const [what, value] of [
      ['a string', 'boom'],
      ['undefined', undefined],
      ['null', null],
      ['a plain object', { code: 42 }],
      ['an Error without a message', new Error()],
    ] as const) {
      try {
        const out = plugin.classify(value)
        if (!(out instanceof Error) || typeof (out as { family?: unknown }).family !== 'string')
          odd.push(`for ${what} it returned ${String(out)}`)
      } catch (error) {
        odd.push(`for ${what} it threw ${(error as Error)?.message ?? String(error)}`)
      }
    }
  return [
    wrong.length === 0
      ? pass(
          'driver errors classified',
          `${NETWORK_ERRORS.length} network errors and ${fixtures.length} fixture(s) as declared`,
        )
      : violation(
          'driver errors classified',
          'An error the driver throws ends retryable when another attempt may succeed (the network, a restart, a lock) and permanent when it cannot (bad data, a missing permission), as each errors/<name>.json fixture declares; network errors are always retryable.',
          wrong.slice(0, 5).join('; '),
          'Classify in the `classify` hook: return RetryableError for transient driver errors (match their code, e.g. SQLSTATE class 08 or ECONNRESET) and AbortedError or ConfigurationError for the rest.',
        ),
    odd.length === 0
      ? pass('classify answers for any thrown value')
      : violation(
          'classify answers for any thrown value',
          '`classify` returns a PatchbayError for whatever a driver throws, including strings, undefined and plain objects, and never throws itself.',
          odd.join('; '),
          'Read fields defensively (`(error as { code?: unknown })?.code`) and fall back to RetryableError or AbortedError.',
        ),
  ]
}

/**
 * No secret of the config reaches the output when the driver fails with an error that
 * quotes it (drivers put connection strings and passwords in their messages): outcomes,
 * logs, console and stdout/stderr are searched, in every encoding.
 */
export async function checkDriverErrorSecrets(
  plugin: ClientDestinationPlugin,
  configs: unknown[],
): Promise<Finding[]> {
  const seen: string[] = []
  let markers: string[] = []
  const restore = captureOutput(seen)
  try {
    for (const raw of configs) {
      const planted = plantSecrets(plugin, raw)
      if (planted.markers.length === 0) continue
      markers = [...markers, ...planted.markers]
      const quoted = planted.markers.join(' ')
      for (const retryable of [true, false]) {
        const error = () =>
          driverError(
            retryable
              ? { message: `connection to ${quoted} failed: ECONNRESET`, code: 'ECONNRESET' }
              : { message: `password authentication failed for ${quoted}`, code: '28P01' },
          )
        try {
          seen.push(
            JSON.stringify(
              await outcomesOf(throwing(plugin, error), planted.config, [firstSupported(plugin)], seen),
            ),
          )
        } catch (thrown) {
          seen.push(errorText(thrown))
        }
      }
    }
  } finally {
    restore()
  }
  if (markers.length === 0)
    return [pass('driver errors never leak secrets', 'no example config has a secret value to plant')]
  const matcher = createSecretMatcher(markers)
  const leak = seen.map((line) => ({ line, found: matcher.find(line) })).find((l) => l.found)
  return [
    !leak
      ? pass('driver errors never leak secrets')
      : violation(
          'driver errors never leak secrets',
          'A secret the driver quotes in its error (a connection string, a password) never reaches outcomes, logs or output, in any form.',
          `a planted secret showed up (${leak.found!.form}) in: ${leak.line.slice(Math.max(0, leak.found!.start - 150), leak.found!.end + 150)}`,
          'Mark the field Secret() in the config schema (the runtime then redacts it), and do not re-encode it in messages or hints.',
        ),
  ]
}

/**
 * Idempotent delivery, against the real service of the config: the same batch delivered
 * twice, and a batch holding one event twice, are delivered every time (the gateway is
 * at-least-once, so a destination sees repeats; it must not fail on them). That each id is
 * stored once is the destination's own test to show (it can read its service).
 */
export async function checkIdempotentDelivery(
  plugin: ClientDestinationPlugin,
  config: unknown,
): Promise<Finding[]> {
  const events = plugin.supports.map((t) => SAMPLE_EVENTS[t])
  const failed: string[] = []
  const pipeline = await createPipeline(pipelineFor(plugin, config), {
    registry: registryFor(plugin),
    singleAttempt: true,
  })
  try {
    for (const [what, batch] of [
      ['the first delivery', events],
      ['the same batch again', events],
      ['a batch with one event twice', [...events, events[0]]],
    ] as const)
      for (const o of await pipeline.process(batch as never))
        if (o.status !== 'delivered')
          failed.push(`${what}: ${o.messageId} ${o.status}${o.error ? ` (${o.error.message})` : ''}`)
  } catch (error) {
    failed.push(`it threw: ${(error as Error).message}`)
  } finally {
    await pipeline.close()
  }
  return [
    failed.length === 0
      ? pass('delivers repeats')
      : violation(
          'delivers repeats',
          'An event delivered again (a retried batch, the same event twice in a batch) is delivered again, not failed: delivery is at-least-once and loads are idempotent on messageId.',
          failed.slice(0, 4).join('; '),
          'Key rows by messageId and skip or merge ids already stored (INSERT ... ON CONFLICT DO NOTHING, a staging table and an anti-join, an upsert).',
        ),
  ]
}
