import {
  type AnyPlugin,
  checkConnection,
  compileConfig,
  createDeliverer,
  createLogger,
  createMemoryTransport,
  createPipeline,
  createRedactor,
  type InboundRequest,
  isClientDestination,
  type LogRecord,
  resolveDeliveryOptions,
  type SourcePlugin,
} from '@patchbay/core'
import { EVENT_TYPES } from '@patchbay/protocol'
import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { pluginContext } from './_context.ts'
import { pipelineFor, registryFor } from './_engine.ts'
import { SAMPLE_EVENTS } from './_samples.ts'
import type { RequestFixture } from './check-source.ts'

/**
 * Sends everything a plugin writes to `console` and to `process.stdout`/`process.stderr`
 * into `seen` (and not to the terminal) until the returned function restores them.
 */
export function captureOutput(seen: string[]): () => void {
  const original = { ...console }
  const { stdout, stderr } = process
  const writes = { out: stdout.write, err: stderr.write }
  for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const)
    console[level] = (...args: unknown[]) => {
      seen.push(args.map(String).join(' '))
    }
  const capture = (chunk: unknown, ...rest: unknown[]) => {
    seen.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'))
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined
    done?.()
    return true
  }
  stdout.write = capture as typeof stdout.write
  stderr.write = capture as typeof stderr.write
  return () => {
    Object.assign(console, original)
    stdout.write = writes.out
    stderr.write = writes.err
  }
}

/** Everything an error carries that could reach a log or an API answer. */
export function errorText(error: unknown): string {
  const e = error as { message?: unknown; toJSON?: () => unknown; stack?: unknown } | null
  const json = (() => {
    try {
      return JSON.stringify(typeof e?.toJSON === 'function' ? e.toJSON() : e)
    } catch {
      return ''
    }
  })()
  return `${String(e?.message ?? error)} ${json} ${String(e?.stack ?? '')}`
}

/**
 * A destination or transformation through the real engine, delivering to a destination
 * that answers 400 with the request echoed back; logs, outcomes and records go to `seen`.
 */
export async function runThroughEngine(plugin: AnyPlugin, config: unknown, seen: string[]): Promise<void> {
  const pipeline = await createPipeline(pipelineFor(plugin, config), {
    registry: registryFor(plugin),
    record: true,
    // A client destination tries its service once (an unreachable one is not retried for minutes).
    singleAttempt: isClientDestination(plugin),
    logSink: (record: LogRecord) => seen.push(JSON.stringify(record)),
    createDeliverer: (dest) =>
      createDeliverer({
        transport: createMemoryTransport((r) => ({
          status: 400,
          headers: {},
          body: `rejected: ${r.url} ${JSON.stringify(r.headers)} ${r.body ?? ''}`,
        })),
        options: resolveDeliveryOptions({ retry: { maxAttempts: 1 } }),
        label: dest.label,
        redactor: dest.redactor,
      }),
  })
  try {
    const outcomes = await pipeline.process(EVENT_TYPES.map((t) => SAMPLE_EVENTS[t]))
    seen.push(JSON.stringify(outcomes))
  } finally {
    await pipeline.close()
  }
}

const REQUEST: InboundRequest = {
  method: 'POST',
  url: '/v1/webhook/contract',
  headers: { 'content-type': 'application/json' },
  query: {},
  body: SAMPLE_EVENTS.track,
}

/**
 * A source, as a host runs it: its request fixtures, a plain JSON request and two malformed
 * ones, with a logger that redacts as the runtime's does; events, errors and logs go to `seen`.
 */
export async function runSource(
  plugin: SourcePlugin,
  raw: unknown,
  requests: RequestFixture[],
  seen: string[],
): Promise<void> {
  const compiled = compileConfig(plugin.config)
  const config = compiled.parse(raw, { plugin: plugin.name })
  const redactor = createRedactor(compiled.secrets(config))
  const ctx = {
    ...pluginContext(plugin, config),
    logger: createLogger({
      scope: plugin.name,
      sink: (record: LogRecord) => seen.push(JSON.stringify(record)),
      scrub: redactor.string,
    }),
  }
  const all: Array<Partial<InboundRequest>> = [
    ...requests.map((r) => r.request),
    REQUEST,
    { ...REQUEST, body: 'not json {' },
    { ...REQUEST, headers: {}, body: undefined },
  ]
  for (const request of all) {
    try {
      const result = await plugin.parse({ ...REQUEST, ...request } as InboundRequest, ctx as never)
      seen.push(JSON.stringify(result))
    } catch (error) {
      seen.push(errorText(error))
    }
  }
}

/**
 * A plugin's `check` hook, as hosts call it (through core's checkConnection), with every
 * HTTP request it makes answered 401 with the request echoed back; the result, logs and
 * output go to `seen`.
 */
export async function runCheck(plugin: AnyPlugin, config: unknown, seen: string[]): Promise<void> {
  if (!plugin.check) return
  const server = setupServer(
    http.all('*', async ({ request }) =>
      HttpResponse.text(
        `unauthorized: ${request.url} ${JSON.stringify(Object.fromEntries(request.headers))} ${await request.text()}`,
        { status: 401 },
      ),
    ),
  )
  server.listen({ onUnhandledFrame: 'bypass' })
  try {
    const result = await checkConnection(plugin, config, {
      logSink: (record: LogRecord) => seen.push(JSON.stringify(record)),
    })
    seen.push(JSON.stringify(result))
  } finally {
    server.close()
  }
}
