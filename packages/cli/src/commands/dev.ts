import { spawn } from 'node:child_process'
import { readFileSync, watch } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  type AnyPlugin,
  createDeliverer,
  createPipeline,
  createUndiciTransport,
  type DestinationPlugin,
  isPlugin,
  type Outcome,
  PluginRegistry,
  parseJson,
  parsePipeline,
  type Redactor,
  resolveDeliveryOptions,
  type SourcePlugin,
  type TransformationPlugin,
  type WireRequest,
} from '@patchbay/core'
import { defineCommand } from 'citty'
import { loadConnector } from '../_connector-dir.ts'
import { devSourceOnce, serveSource } from '../_dev-source.ts'
import { EXIT, UsageError } from '../_exit.ts'
import { color, type Output, processOutput } from '../_output.ts'
import { readJsonl } from '../_read-events.ts'
import { describeReceived, startReceiver } from '../_receiver.ts'
import { transformationPipeline } from '../_transformation-pipeline.ts'
import { untilStopSignal } from '../_until-stop-signal.ts'

const SAMPLE = [
  { type: 'identify', userId: 'dev-user', traits: { email: 'ada@example.com', plan: 'pro' } },
  {
    type: 'track',
    userId: 'dev-user',
    event: 'Order Completed',
    properties: { orderId: 'o-1', total: 19.5 },
  },
  { type: 'page', anonymousId: 'dev-anon', name: 'Pricing', properties: { path: '/pricing' } },
]

/** Imports the connector anew (each round picks up edits) and checks it is a plugin. */
async function loadFresh(dir: string, round: number) {
  const connector = await loadConnector(dir)
  const mod = (await import(`${pathToFileURL(connector.entry).href}?round=${round}`)) as { default?: unknown }
  if (!isPlugin(mod.default))
    throw new UsageError(
      `${connector.name} does not default-export a Patchbay plugin (defineSource, defineDestination or defineTransformation)`,
    )
  return { connector, plugin: mod.default as AnyPlugin }
}

const readConfig = (file: string | undefined) =>
  file ? parseJson(readFileSync(file), { what: `the config ${file}` }) : undefined

export interface DevOptions {
  dir: string
  input?: string
  config?: string
  once?: boolean
  /** Destinations: send to this server instead of printing (path and query are kept). */
  to?: string
  /** Sources: serve without watching (watch mode runs this in a child it restarts). */
  serve?: boolean
  /** Sources: the port to serve on. */
  port?: number
}

/**
 * `patchbay dev`: runs the connector in `dir` locally. A destination runs sample (or given)
 * events through a local pipeline and prints every request it would send (or sends them to
 * `--to`); a transformation prints what it makes of them; a source serves its webhook on
 * 127.0.0.1 and prints the events each request becomes. Without `--once` it runs again on
 * every change under src/. Returns the exit code: 1 when an event or request failed.
 */
export async function devConnector(options: DevOptions, output: Output = processOutput): Promise<number> {
  const { plugin, connector } = await loadFresh(options.dir, 0)
  if (plugin.kind === 'source') {
    if (options.once)
      return devSourceOnce(
        plugin as SourcePlugin,
        connector.root,
        { input: options.input, config: readConfig(options.config) },
        output,
      )
    if (options.serve) {
      const server = await serveSource(
        plugin as SourcePlugin,
        { port: options.port ?? DEFAULT_PORT, config: readConfig(options.config), root: connector.root },
        output,
      )
      const stopSignal = untilStopSignal()
      output.err(
        `${plugin.name}@${plugin.version} listening on ${server.url}: POST a webhook to it (any path); Ctrl-C to stop`,
      )
      await stopSignal
      await server.close()
      return EXIT.ok
    }
    return watchSource(connector.root, options, output)
  }
  if (!options.once) return watchConnector(options, output)
  const events: unknown[] = []
  if (options.input) for await (const batch of readJsonl(options.input, 1000)) events.push(...batch.events)
  return plugin.kind === 'transformation'
    ? devTransformationOnce(options, events, output)
    : devDestinationOnce(options, events, output)
}

/** The sample events a destination supports (the others would only fail). */
function samplesFor(plugin: AnyPlugin) {
  const supports = (plugin as DestinationPlugin).supports as readonly string[] | undefined
  return SAMPLE.filter((e) => !supports || supports.includes(e.type))
}

function printOutcomes(outcomes: Outcome[], output: Output): number {
  let failed = 0
  for (const o of outcomes)
    if (o.status !== 'delivered') {
      if (o.status === 'failed') failed++
      output.err(
        `${o.messageId ?? `#${o.index + 1}`}: ${o.status}${o.reason ? ` (${o.reason})` : ''}${o.error ? `: ${o.error.message}` : ''}`,
      )
    }
  return failed > 0 ? EXIT.failed : EXIT.ok
}

async function devTransformationOnce(options: DevOptions, given: unknown[], output: Output): Promise<number> {
  const { plugin } = await loadFresh(options.dir, Date.now())
  const events = options.input ? given : SAMPLE
  const pipeline = await transformationPipeline(
    plugin as TransformationPlugin,
    readConfig(options.config) ?? plugin.examples?.[0] ?? {},
    {
      id: 'dev',
      file: options.config ?? 'dev-config.json',
      logSink: (record) => output.err(`${color.dim(record.scope)} ${record.message}`),
    },
  )
  try {
    output.err(color.bold(`── ${plugin.name}@${plugin.version}: ${events.length} events in`))
    const result = await pipeline.transform(events)
    for (const { event } of result.events) output.out(pipeline.redactor.string(JSON.stringify(event)))
    let failed = 0
    for (const stop of result.stopped) {
      if (stop.status === 'failed') failed++
      output.err(
        `${stop.messageId ?? `#${stop.index + 1}`}: ${stop.status}${stop.reason ? ` (${stop.reason})` : ''}${stop.error ? `: ${stop.error.message}` : ''}`,
      )
    }
    output.err(color.dim(`${result.events.length} events out`))
    return failed > 0 ? EXIT.failed : EXIT.ok
  } finally {
    await pipeline.close()
  }
}

async function devDestinationOnce(options: DevOptions, given: unknown[], output: Output): Promise<number> {
  // Requests are printed as sent (below), redacted with the config's secrets; the receiver only answers.
  const receiver = options.to
    ? { url: options.to.replace(/\/$/, ''), close: async () => {} }
    : await startReceiver()
  output.err(
    color.dim(
      options.to
        ? `sending to ${receiver.url} instead of each request's real URL (path and query kept)`
        : `receiver on ${receiver.url}: requests are sent here instead of their real URL`,
    ),
  )
  const target = new URL(receiver.url)
  try {
    const { plugin } = await loadFresh(options.dir, Date.now())
    const events = options.input ? given : samplesFor(plugin)
    const yaml = JSON.stringify({
      destinations: [
        {
          id: 'dev',
          use: `${plugin.name}@${plugin.version}`,
          config: readConfig(options.config) ?? plugin.examples?.[0] ?? {},
        },
      ],
    })
    const pipeline = await createPipeline(
      parsePipeline(yaml, { file: options.config ?? 'dev-config.json', env: {} }),
      {
        registry: new PluginRegistry().add(plugin),
        logSink: (record) => output.err(`${color.dim(record.scope)} ${record.message}`),
        createDeliverer: (dest) => {
          const delivery = resolveDeliveryOptions({ retry: { maxAttempts: 1 } })
          const http = createUndiciTransport({
            timeouts: delivery.timeouts,
            connections: 4,
            egress: { allow: [target.hostname] },
          })
          return createDeliverer({
            transport: {
              send: (request) => {
                const original = new URL(request.url)
                printRequest(output, request, dest.redactor)
                return http.send({
                  ...request,
                  url: `${receiver.url}${original.pathname}${original.search}`,
                  headers: { ...request.headers, 'x-patchbay-original-url': request.url },
                })
              },
              close: () => http.close(),
            },
            options: delivery,
            label: dest.label,
            redactor: dest.redactor,
          })
        },
      },
    )
    try {
      output.err(color.bold(`── ${plugin.name}@${plugin.version}: ${events.length} events`))
      return printOutcomes(await pipeline.process(events), output)
    } finally {
      await pipeline.close()
    }
  } finally {
    await receiver.close()
  }
}

const DEFAULT_PORT = 4780

/**
 * Watch mode for a source: the server runs in a child Node restarts whenever a file under
 * src/ changes (`--watch-path`), so every module is loaded anew and the URL stays the same.
 */
async function watchSource(root: string, options: DevOptions, output: Output): Promise<number> {
  const args = [
    ...process.execArgv.filter((a) => !a.startsWith('--watch')),
    `--watch-path=${join(root, 'src')}`,
    '--watch-preserve-output',
    process.argv[1]!,
    'dev',
    root,
    '--serve',
    '--port',
    String(options.port ?? DEFAULT_PORT),
    ...(options.config ? ['--config', options.config] : []),
  ]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] })
  const stopSignal = untilStopSignal()
  output.err(color.dim(`watching ${join(root, 'src')}; Ctrl-C to stop`))
  await stopSignal
  child.kill('SIGTERM')
  await new Promise((resolve) => child.once('close', resolve))
  return EXIT.ok
}

/**
 * Watch mode for destinations and transformations: one receiver for the session (unless
 * `--to`), and a fresh child process per change running `--once`, so every module of the
 * connector is loaded anew (ESM caches imports for the life of a process).
 */
async function watchConnector(options: DevOptions, output: Output): Promise<number> {
  const { root, plugin } = await loadConnector(options.dir).then(async (c) => ({
    root: c.root,
    plugin: (await loadFresh(options.dir, 0)).plugin,
  }))
  const receiver =
    plugin.kind === 'destination' && !options.to
      ? await startReceiver() // the child prints each request it sends, redacted with the config it loaded
      : undefined
  if (receiver)
    output.err(color.dim(`receiver on ${receiver.url}: requests are sent here instead of their real URL`))
  const to = options.to ?? receiver?.url
  const args = [
    ...process.execArgv,
    process.argv[1]!,
    'dev',
    root,
    '--once',
    ...(to ? ['--to', to] : []),
    ...(options.input ? ['--input', options.input] : []),
    ...(options.config ? ['--config', options.config] : []),
  ]
  let running: Promise<void> = Promise.resolve()
  const round = () => {
    running = running.then(
      () =>
        new Promise<void>((resolve) => {
          const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] })
          child.on('close', () => resolve())
        }),
    )
  }
  round()
  let timer: NodeJS.Timeout | undefined
  const watcher = watch(join(root, 'src'), { recursive: true }, () => {
    clearTimeout(timer)
    timer = setTimeout(round, 100)
  })
  const stopSignal = untilStopSignal()
  output.err(color.dim(`watching ${join(root, 'src')}; Ctrl-C to stop`))
  await stopSignal
  watcher.close()
  await running
  await receiver?.close()
  return EXIT.ok
}

/** One request as `dev` shows it: a summary line and the body, redacted. */
function printRequest(output: Output, request: WireRequest, redactor: Redactor): void {
  const url = new URL(request.url)
  const body = typeof request.body === 'string' ? request.body : ''
  const line = describeReceived({
    method: request.method,
    path: `${url.pathname}${url.search}`,
    headers: {},
    body,
  })
  output.out(`${color.green('→')} ${redactor.string(line)}\n${redactor.string(body)}`)
}

export default defineCommand({
  meta: {
    name: 'dev',
    description: `Run the connector in a folder locally, and again on every change under src/.
A destination sends sample (or --input) events through a local pipeline and prints every request it would send, or sends them to --to.
A transformation prints the events it makes of them. A source serves its webhook on 127.0.0.1 and prints the events of each request.
Exit code 1 (with --once) when an event or request failed.

Examples:
  patchbay dev
  patchbay dev --once
  patchbay dev --to http://127.0.0.1:8080       try a destination against a local server
  patchbay dev connectors/destination-webhook --input docs/examples/events.jsonl
  patchbay dev connectors/source-webhook --port 4780       then: curl -d '{...}' http://127.0.0.1:4780/
  patchbay dev connectors/source-webhook --once            parse test/fixtures/contract/requests/*.json`,
  },
  args: {
    dir: { type: 'positional', description: 'Connector package folder', default: '.' },
    input: {
      type: 'string',
      description:
        'Destinations and transformations: events as JSON lines (default: sample events). Sources: a request file { "request": { ... } }',
    },
    config: { type: 'string', description: 'A config file (JSON); default: the first example config' },
    once: {
      type: 'boolean',
      description: 'Run once and exit instead of watching (exit 1 when something failed)',
    },
    to: {
      type: 'string',
      description:
        'Destinations: send each request to this server (e.g. http://127.0.0.1:8080), keeping path and query',
    },
    port: { type: 'string', description: `Sources: the port to serve on (default ${DEFAULT_PORT})` },
    serve: { type: 'boolean', description: 'Sources: serve without watching' },
    'receiver-url': { type: 'string', description: 'Deprecated: the same as --to' },
  },
  async run({ args }) {
    const port = args.port === undefined ? undefined : Number(args.port)
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536))
      throw new UsageError(`--port must be a port number, got ${args.port}`)
    process.exitCode = await devConnector({
      dir: args.dir,
      input: args.input,
      config: args.config,
      once: Boolean(args.once),
      to: args.to ?? args['receiver-url'],
      serve: Boolean(args.serve),
      ...(port === undefined ? {} : { port }),
    })
  },
})
