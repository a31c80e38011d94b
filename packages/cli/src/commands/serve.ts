import { resolve } from 'node:path'
import { loadPipelineFile, PluginRegistry } from '@patchbay/core'
import { defineCommand } from 'citty'
import { parseDuration } from '../_duration.ts'
import { UsageError } from '../_exit.ts'
import { color, type Output, processOutput } from '../_output.ts'
import { describeReceived, type Receiver, startReceiver } from '../_receiver.ts'
import { untilStopSignal } from '../_until-stop-signal.ts'
import { withWarehouse } from '../_with-warehouse.ts'

export interface ServeOptions {
  pipeline?: string
  host?: string
  port?: number
  dataDir?: string
  /** A `postgres://` URL: the queue lives there, shared by every node given it (default: SQLite in dataDir). */
  store?: string
  retryForMs?: number
  receiver?: boolean
  trustProxy?: boolean
  /** What a failed destination `check` hook does at start: warn (default), fail or off. */
  check?: 'warn' | 'fail' | 'off'
  /** Also land every event in this DuckDB file (the embedded warehouse). */
  warehouse?: string
}

/**
 * `patchbay serve`: runs the gateway until SIGINT or SIGTERM, then shuts down gracefully.
 * Without a pipeline it runs the built-in default, with a local receiver that prints what it
 * gets. Resolves with the exit code once stopped.
 */
export async function serve(
  options: ServeOptions,
  output: Output = processOutput,
  signals: NodeJS.EventEmitter = process,
): Promise<number> {
  const { DEFAULT_PIPELINE_FILE, DEV_WRITE_KEY, startGateway } = await import('@patchbay/server')
  const useDefault = options.pipeline === undefined
  const env: Record<string, string | undefined> = { ...process.env }
  let receiver: Receiver | undefined
  // The receiver starts before the gateway knows the pipeline's secrets: it redacts once it does.
  let redact = (text: string) => text
  // With --warehouse and no pipeline, the warehouse is the only destination: no receiver.
  if ((useDefault && !options.warehouse) || options.receiver) {
    receiver = await startReceiver((r) => output.err(color.dim(`receiver ← ${redact(describeReceived(r))}`)))
    env.PATCHBAY_RECEIVER_URL = receiver.url
  }
  try {
    // The built-in pipeline's receiver is replaced by the warehouse: its URL is never used.
    if (useDefault && options.warehouse && !receiver) env.PATCHBAY_RECEIVER_URL ??= 'http://127.0.0.1'
    let loaded = loadPipelineFile(options.pipeline ?? DEFAULT_PIPELINE_FILE, { env })
    let registry: PluginRegistry | undefined
    if (options.warehouse) {
      loaded = withWarehouse(loaded, resolve(options.warehouse), useDefault)
      const { default: duckdb } = await import('@patchbay/destination-duckdb')
      registry = new PluginRegistry({ cwd: loaded.baseDir }).add(duckdb)
    }
    const gateway = await startGateway({
      pipeline: loaded,
      // A changed tracking plan (or the pipeline's reference to it) is reloaded while running.
      reloadPipeline: () => {
        const reloaded = loadPipelineFile(loaded.file, { env })
        return options.warehouse ? withWarehouse(reloaded, resolve(options.warehouse), useDefault) : reloaded
      },
      ...(registry ? { registry } : {}),
      options: {
        ...(options.host ? { host: options.host } : {}),
        ...(options.port !== undefined ? { port: options.port } : {}),
        ...(options.dataDir ? { dataDir: options.dataDir } : {}),
        ...(options.store ? { store: options.store } : {}),
        ...(options.retryForMs !== undefined ? { retry: { forMs: options.retryForMs } } : {}),
        ...(options.trustProxy ? { trustProxy: true } : {}),
        ...(options.check ? { checkOnStart: options.check } : {}),
        ...(process.env.PATCHBAY_ADMIN_TOKEN ? { adminToken: process.env.PATCHBAY_ADMIN_TOKEN } : {}),
        // Traits a regulation may name besides userId and anonymousId (docs/privacy.md).
        ...(process.env.PATCHBAY_REGULATION_TRAITS !== undefined
          ? {
              regulations: {
                traits: process.env.PATCHBAY_REGULATION_TRAITS.split(',')
                  .map((t) => t.trim())
                  .filter(Boolean),
              },
            }
          : {}),
      },
      logSink: (record) => output.err(`${color.dim(record.scope)} ${record.message}`),
    })
    redact = gateway.redactor.string
    const lines = [
      `patchbay gateway listening on ${gateway.url}`,
      `  pipeline  ${useDefault ? 'built-in default' : loaded.file}`,
      ...(options.warehouse
        ? [
            `  warehouse ${resolve(options.warehouse)} (DuckDB; row counts: patchbay warehouse ${options.warehouse})`,
          ]
        : []),
      gateway.store.startsWith('postgres')
        ? `  store     ${gateway.store}`
        : `  data dir  ${gateway.dataDir}`,
      ...gateway.plugins.map((p) => `  plugin    ${p.step}  ${p.source}`),
      ...gateway
        .plans()
        .map((p) => `  plan      sources.${p.source}  ${p.name} v${p.version} (reloaded when changed)`),
      ...(receiver
        ? [`  receiver  ${receiver.url} (PATCHBAY_RECEIVER_URL): requests are printed below`]
        : []),
      gateway.options.adminToken
        ? `  admin     on: patchbay dlq list --gateway ${gateway.url} (with PATCHBAY_ADMIN_TOKEN)`
        : '  admin     off: set PATCHBAY_ADMIN_TOKEN to manage dead letters while the gateway runs',
      gateway.options.adminToken
        ? `  console   ${gateway.url}/console/ (sign in with PATCHBAY_ADMIN_TOKEN)`
        : '  console   off: set PATCHBAY_ADMIN_TOKEN to open the web console',
    ]
    if (useDefault && !process.env.PATCHBAY_WRITE_KEY)
      lines.push(
        '',
        `Send a first event (write key ${DEV_WRITE_KEY}, set PATCHBAY_WRITE_KEY for your own):`,
        `  curl -u ${DEV_WRITE_KEY}: -H 'content-type: application/json' -d '{"userId":"ada","event":"Signed Up"}' ${gateway.url}/v1/track`,
      )
    // Listen for the stop signals before the banner: whoever reads it (a terminal, a supervisor,
    // a test) may signal at once, and a signal with no listener kills Node without shutting down.
    const stopSignal = untilStopSignal(signals)
    output.out(lines.join('\n'))
    output.err(color.dim(`${await stopSignal}: stopping (finishing deliveries in flight)`))
    await gateway.close()
    output.err(color.dim('stopped'))
    return 0
  } finally {
    await receiver?.close()
  }
}

export default defineCommand({
  meta: {
    name: 'serve',
    description: `Run the gateway: the Segment/RudderStack HTTP API, a durable queue, and delivery with retries.

Without a pipeline, runs a built-in one: write key pb_dev_write_key, and a webhook to a local
receiver that prints every request. Stop with Ctrl-C: it stops accepting, finishes deliveries
in flight and exits; acknowledged events are kept in --data-dir and delivered after a restart.

Examples:
  patchbay serve
  patchbay serve pipeline.yaml --port 8080 --data-dir /var/lib/patchbay
  patchbay serve --warehouse ./events.duckdb
  curl -u pb_dev_write_key: -d '{"userId":"ada","event":"Signed Up"}' http://127.0.0.1:8080/v1/track`,
  },
  args: {
    pipeline: {
      type: 'positional',
      description: 'Pipeline file (YAML or JSON); default: the built-in one',
      required: false,
    },
    port: { type: 'string', alias: 'p', description: 'Port (0: any free port; env PATCHBAY_PORT)' },
    host: { type: 'string', description: 'Interface to listen on', default: '127.0.0.1' },
    'data-dir': { type: 'string', description: 'Where the durable queue lives (env PATCHBAY_DATA_DIR)' },
    store: {
      type: 'string',
      description:
        'postgres://user@host/db: keep the queue in PostgreSQL, shared by every node given the same URL (env PATCHBAY_STORE_URL; default: SQLite in --data-dir)',
    },
    'trust-proxy': {
      type: 'boolean',
      description: 'Take request_ip from X-Forwarded-For (only behind a proxy you run)',
    },
    check: {
      type: 'string',
      description:
        "At start, run each destination's check hook: warn (log a failure, start anyway), fail (refuse to start) or off",
      default: 'warn',
    },
    'retry-for': {
      type: 'string',
      description: 'How long to retry a failing delivery before the dead letter queue',
      default: '24h',
    },
    warehouse: {
      type: 'string',
      description: 'Also land every event in this DuckDB file (tracks, identifies, users, ...)',
    },
    receiver: {
      type: 'boolean',
      description: 'Also start the local receiver for your pipeline (${PATCHBAY_RECEIVER_URL})',
    },
  },
  async run({ args }) {
    const given = args.port ?? process.env.PATCHBAY_PORT ?? '8080'
    const port = Number(given)
    if (given.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65_535)
      throw new UsageError(`--port must be a port number (0-65535), got "${given}"`)
    process.exitCode = await serve({
      ...(args.pipeline ? { pipeline: args.pipeline } : {}),
      host: args.host,
      port,
      dataDir: args['data-dir'] ?? process.env.PATCHBAY_DATA_DIR ?? './patchbay-data',
      ...(args.store || process.env.PATCHBAY_STORE_URL
        ? { store: args.store || process.env.PATCHBAY_STORE_URL }
        : {}),
      retryForMs: parseDuration(args['retry-for'], '--retry-for'),
      receiver: args.receiver ?? false,
      trustProxy: args['trust-proxy'] ?? false,
      check: checkMode(args.check),
      ...(args.warehouse ? { warehouse: args.warehouse } : {}),
    })
  },
})

function checkMode(given: string): 'warn' | 'fail' | 'off' {
  if (given === 'warn' || given === 'fail' || given === 'off') return given
  throw new UsageError(`--check must be warn, fail or off, got "${given}"`)
}
