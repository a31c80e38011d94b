import { spawn } from 'node:child_process'
import { watch } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  type AnyPlugin,
  createDeliverer,
  createPipeline,
  createUndiciTransport,
  type DestinationPlugin,
  isPlugin,
  PluginRegistry,
  parseJson,
  parsePipeline,
  type Redactor,
  resolveDeliveryOptions,
  type WireRequest,
} from '@patchbay/core'
import { defineCommand } from 'citty'
import { loadConnector } from '../_connector-dir.ts'
import { UsageError } from '../_exit.ts'
import { color, type Output, processOutput } from '../_output.ts'
import { readJsonl } from '../_read-events.ts'
import { describeReceived, startReceiver } from '../_receiver.ts'

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

/**
 * `patchbay dev`: runs the destination in `dir` against a local pipeline. Every request it
 * would send goes to a local receiver instead, which prints it; editing a file under the
 * package reloads the connector and runs the events again.
 */
export async function devConnector(
  options: { dir: string; input?: string; config?: string; once?: boolean; receiverUrl?: string },
  output: Output = processOutput,
): Promise<void> {
  if (!options.once) return watchConnector(options, output)
  // Requests are printed as sent (below), redacted; the receiver only answers.
  const receiver = options.receiverUrl
    ? { url: options.receiverUrl, close: async () => {} }
    : await startReceiver()
  if (!options.receiverUrl)
    output.err(color.dim(`receiver on ${receiver.url}: requests are sent here instead of their real URL`))
  const events: unknown[] = options.input ? [] : SAMPLE
  if (options.input) for await (const batch of readJsonl(options.input, 1000)) events.push(...batch.events)

  let round = 0
  const runOnce = async () => {
    round++
    const connector = await loadConnector(options.dir)
    // A fresh import each round, so edits are picked up without restarting.
    const mod = (await import(`${pathToFileURL(connector.entry).href}?round=${round}`)) as {
      default?: unknown
    }
    if (!isPlugin(mod.default) || (mod.default as AnyPlugin).kind !== 'destination') {
      throw new UsageError(
        `${connector.name}: patchbay dev runs destinations; this package does not default-export one`,
      )
    }
    const plugin = mod.default as DestinationPlugin
    const config = options.config
      ? parseJson((await import('node:fs')).readFileSync(options.config), {
          what: `the config ${options.config}`,
        })
      : (plugin.examples?.[0] ?? {})
    const yaml = JSON.stringify({
      destinations: [{ id: 'dev', use: `${plugin.name}@${plugin.version}`, config }],
    })
    const pipeline = await createPipeline(
      parsePipeline(yaml, { file: options.config ?? 'dev-config.json', env: {} }),
      {
        registry: new PluginRegistry().add(plugin),
        logSink: (record) => output.err(`${color.dim(record.scope)} ${record.message}`),
        createDeliverer: (dest) => {
          const options = resolveDeliveryOptions({ retry: { maxAttempts: 1 } })
          const http = createUndiciTransport({
            timeouts: options.timeouts,
            connections: 4,
            egress: { allow: ['127.0.0.1'] },
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
            options,
            label: dest.label,
            redactor: dest.redactor,
          })
        },
      },
    )
    try {
      output.err(color.bold(`── ${plugin.name}@${plugin.version}: ${events.length} events`))
      const outcomes = await pipeline.process(events)
      for (const o of outcomes)
        if (o.status !== 'delivered')
          output.err(
            `${o.messageId ?? `#${o.index + 1}`}: ${o.status}${o.reason ? ` (${o.reason})` : ''}${o.error ? `: ${o.error.message}` : ''}`,
          )
    } finally {
      await pipeline.close()
    }
  }

  try {
    await runOnce()
  } finally {
    await receiver.close()
  }
}

/**
 * Watch mode: one receiver for the session, and a fresh child process per change, so every
 * module of the connector is loaded anew (ESM caches imports for the life of a process).
 */
async function watchConnector(options: { dir: string; input?: string; config?: string }, output: Output) {
  // The child prints each request it sends, redacted with the config it loaded.
  const receiver = await startReceiver()
  output.err(color.dim(`receiver on ${receiver.url}: requests are sent here instead of their real URL`))
  const { root } = await loadConnector(options.dir)
  const args = [
    ...process.execArgv,
    process.argv[1]!,
    'dev',
    root,
    '--once',
    '--receiver-url',
    receiver.url,
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
  output.err(color.dim(`watching ${join(root, 'src')}; Ctrl-C to stop`))
  await new Promise<void>((resolve) => {
    const stop = () => {
      watcher.close()
      void running.then(() => receiver.close()).then(resolve)
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
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
    description: `Run the destination in a folder against a local receiver that prints what it would send; reloads on every change under src/.

Examples:
  patchbay dev
  patchbay dev connectors/destination-webhook --input docs/examples/events.jsonl
  patchbay dev --config my-config.json --once`,
  },
  args: {
    dir: { type: 'positional', description: 'Connector package folder', default: '.' },
    input: { type: 'string', description: 'Events as JSON lines (default: three sample events)' },
    config: { type: 'string', description: 'A config file (JSON); default: the first example config' },
    once: { type: 'boolean', description: 'Run once and exit instead of watching' },
    'receiver-url': {
      type: 'string',
      description: 'Send to this receiver instead of starting one (used by watch mode)',
    },
  },
  async run({ args }) {
    await devConnector({
      dir: args.dir,
      input: args.input,
      config: args.config,
      once: Boolean(args.once),
      receiverUrl: args['receiver-url'],
    })
  },
})
