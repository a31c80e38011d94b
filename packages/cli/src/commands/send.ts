import { readFileSync } from 'node:fs'
import {
  type AnyPlugin,
  collectSecrets,
  compileConfig,
  createLogger,
  createRedactor,
  type DestinationPlugin,
  isClientDestination,
  isCredentialHeader,
  type PluginLogger,
  parseJson,
  REDACTED,
  type Redactor,
  runtimeServices,
  type SourcePlugin,
  shortSecretWarnings,
  type TransformationPlugin,
} from '@patchbay/core'
import { normalizeEvent, type PatchbayEvent, validateEvent } from '@patchbay/protocol'
import { defineCommand } from 'citty'
import { loadConnector } from '../_connector-dir.ts'
import { EXIT, UsageError } from '../_exit.ts'
import { color, type Output, processOutput } from '../_output.ts'
import { transformationPipeline } from '../_transformation-pipeline.ts'

const readRaw = (file: string) => {
  try {
    return readFileSync(file)
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`)
  }
}

function parseIfJson(text: string, contentType: string): unknown {
  if (!/json/i.test(contentType)) return text
  try {
    return parseJson(text, { what: 'the request body' })
  } catch {
    return text
  }
}

/** Repeated `--header 'name: value'` / `-H` and `--query 'name=value'` flags, in order. */
export function requestFlags(rawArgs: string[]): {
  headers: Record<string, string>
  query: Record<string, string>
} {
  const headers: Record<string, string> = {}
  const query: Record<string, string> = {}
  rawArgs.forEach((arg, i) => {
    const inline = /^--(header|query)=(.*)$/s.exec(arg)
    const flag =
      inline?.[1] ?? (arg === '--header' || arg === '-H' ? 'header' : arg === '--query' ? 'query' : undefined)
    if (!flag) return
    const value = inline ? inline[2]! : rawArgs[i + 1]
    if (value === undefined) throw new UsageError(`--${flag} needs a value`)
    if (flag === 'header') {
      const colon = value.indexOf(':')
      if (colon < 1) throw new UsageError(`--header wants "name: value", got ${JSON.stringify(value)}`)
      headers[value.slice(0, colon).trim().toLowerCase()] = value.slice(colon + 1).trim()
    } else {
      const eq = value.indexOf('=')
      if (eq < 1) throw new UsageError(`--query wants "name=value", got ${JSON.stringify(value)}`)
      query[value.slice(0, eq)] = value.slice(eq + 1)
    }
  })
  return { headers, query }
}

const readJson = (file: string, what: string) => {
  try {
    return parseJson(readFileSync(file), { what: `the ${what} ${file}` })
  } catch (error) {
    throw new UsageError(`cannot read the ${what} ${file} as JSON: ${(error as Error).message}`)
  }
}

/**
 * `patchbay send`: one event through a connector, showing it before and after each step:
 * as given, validated and normalised, then what the connector makes of it (requests for a
 * destination, events for a transformation or a source). Nothing is sent over the network.
 */
export async function sendOne(
  options: {
    input: string
    connector: string
    config?: string
    json?: boolean
    /** Sources: request headers (lower-cased names). */
    headers?: Record<string, string>
    /** Sources: the query string's parameters. */
    query?: Record<string, string>
    /** Sources: the file is the raw body, sent as is (not parsed as JSON). */
    raw?: boolean
  },
  output: Output = processOutput,
): Promise<number> {
  const connector = await loadConnector(options.connector)
  if (!connector.isPlugin) throw new UsageError(`${connector.name} does not default-export a Patchbay plugin`)
  const plugin = connector.plugin as AnyPlugin
  const rawConfig = options.config ? readJson(options.config, 'config') : (plugin.examples?.[0] ?? {})
  const config = compileConfig(plugin.config).parse(rawConfig, {
    plugin: plugin.name,
    ...(options.config ? { file: options.config } : {}),
  })
  const input = plugin.kind === 'source' && options.raw ? undefined : readJson(options.input, 'event')
  // What send prints is redacted like a log line: a real config's secrets stay off the terminal.
  const redactor = createRedactor(collectSecrets(plugin.config, config))
  for (const warning of shortSecretWarnings(plugin.config, config, plugin.name))
    output.err(color.yellow(`warning ${warning}`))
  const ctx = {
    ...runtimeServices,
    config,
    plugin: `${plugin.name}@${plugin.version}`,
    logger: stderrLogger(output, redactor),
  }
  const steps: Array<{ step: string; value: unknown }> = [{ step: 'input', value: input }]
  const show = () => {
    const shown = redactor.value(steps)
    if (options.json) output.out(JSON.stringify(shown))
    else
      for (const s of shown) output.out(`${color.bold(`── ${s.step}`)}\n${JSON.stringify(s.value, null, 2)}`)
  }
  try {
    return await sendSteps()
  } catch (error) {
    throw redactor.error(error)
  }

  async function sendSteps(): Promise<number> {
    if (plugin.kind === 'source') {
      // As the gateway hands requests over: the exact bytes, and the body parsed when JSON.
      const bytes = readRaw(options.input)
      const query = options.query ?? {}
      const search = new URLSearchParams(query).toString()
      const headers = { 'content-type': 'application/json', ...options.headers }
      const text = bytes.toString('utf8')
      const request = {
        method: 'POST',
        url: `/v1/webhook/send${search ? `?${search}` : ''}`,
        headers,
        query,
        body: options.raw ? parseIfJson(text, headers['content-type']) : input,
        rawBody: new Uint8Array(bytes),
      }
      steps.splice(0, 1, {
        step: 'request',
        value: withCredentialHeadersBlanked({
          method: request.method,
          url: request.url,
          headers: request.headers,
          body: request.body,
        }),
      })
      const result = await (plugin as SourcePlugin).parse(request, ctx as never)
      steps.push({ step: `${plugin.name} parse → events`, value: result.events })
      // The gateway refuses a request whose events are not valid (400): say so here too.
      const invalid = result.events.flatMap((e, i) => {
        const checked = validateEvent(e)
        return checked.ok ? [] : checked.errors.map((error) => `event ${i}: ${error.message}`)
      })
      if (invalid.length > 0) steps.push({ step: 'validate', value: invalid })
      show()
      return invalid.length > 0 ? EXIT.failed : EXIT.ok
    }
    const checked = validateEvent(input)
    if (!checked.ok) {
      steps.push({ step: 'validate', value: checked.errors.map((e) => e.message) })
      show()
      return EXIT.failed
    }
    const event = normalizeEvent(checked.event)
    steps.push({ step: 'validated and normalised', value: event })
    if (plugin.kind === 'transformation') {
      // The transformation stage as run, dev and the gateway run it (core's pipeline), so its
      // output is validated and a drop or a throw is reported the same way.
      const result = await transformOne(
        plugin as TransformationPlugin,
        rawConfig,
        options.config,
        event,
        output,
      )
      const stop = result.stopped[0]
      if (stop?.status === 'failed') {
        steps.push({ step: `${plugin.name} → failed`, value: stop.error })
        show()
        return EXIT.failed
      }
      steps.push(
        stop?.status === 'dropped'
          ? { step: `${plugin.name} → dropped`, value: stop.reason ?? null }
          : { step: `${plugin.name} → events`, value: result.events.map((e) => e.event) },
      )
    } else {
      const d = plugin as DestinationPlugin
      if (isClientDestination(plugin))
        throw new UsageError(
          `${plugin.name} delivers through its own client (${plugin.title ?? 'a database or service'}), not HTTP requests, so send has no requests to show; try it with \`patchbay run\` and a pipeline that uses it`,
        )
      if (!(d.supports as readonly string[]).includes(event.type)) {
        steps.push({
          step: `${plugin.name}`,
          value: `does not support ${event.type} events (it supports ${d.supports.join(', ')})`,
        })
        show()
        return EXIT.failed
      }
      const out = await d.transform(event as never, ctx as never)
      steps.push({
        step: `${plugin.name} transform → requests`,
        value: (out === null ? [] : Array.isArray(out) ? out : [out]).map(withCredentialHeadersBlanked),
      })
    }
    show()
    return EXIT.ok
  }
}

async function transformOne(
  plugin: TransformationPlugin,
  rawConfig: unknown,
  configFile: string | undefined,
  event: PatchbayEvent,
  output: Output,
) {
  const pipeline = await transformationPipeline(plugin, rawConfig, {
    id: 'send',
    file: configFile ?? 'send-config.json',
    // Log lines come redacted with the step's secrets, as in every host.
    logSink: (r) =>
      output.err(color.dim(`${r.level} ${r.message}${r.fields ? ` ${JSON.stringify(r.fields)}` : ''}`)),
  })
  try {
    return await pipeline.transform([event], { normalized: true })
  } finally {
    await pipeline.close()
  }
}

function stderrLogger(output: Output, redactor: Redactor): PluginLogger {
  return createLogger({
    scope: 'send',
    level: 'debug',
    scrub: redactor.string,
    sink: (r) =>
      output.err(color.dim(`${r.level} ${r.message}${r.fields ? ` ${JSON.stringify(r.fields)}` : ''}`)),
  })
}

/** `Authorization: Basic …` and the like are shown as `[redacted]` whatever their value. */
function withCredentialHeadersBlanked(request: unknown): unknown {
  const r = request as { headers?: Record<string, string> } | null
  if (!r || typeof r !== 'object' || !r.headers || typeof r.headers !== 'object') return request
  return {
    ...r,
    headers: Object.fromEntries(
      Object.entries(r.headers).map(([k, v]) => [k, isCredentialHeader(k) ? REDACTED : v]),
    ),
  }
}

export default defineCommand({
  meta: {
    name: 'send',
    description: `Send one event through a connector and show it before and after each step (nothing goes over the network).

Examples:
  patchbay send event.json                       the connector in this folder, its first example config
  patchbay send event.json --connector connectors/destination-webhook --config webhook.json
  patchbay send payload.json --connector connectors/source-webhook    a source: the file is the request body
  patchbay send body.txt --raw -H 'x-signature: sha256=…' --query src=form    a source, with headers, a query and the exact bytes`,
  },
  args: {
    input: {
      type: 'positional',
      description: 'An event (or, for a source, a request body) as JSON',
      required: true,
    },
    connector: { type: 'string', description: 'Connector package folder', default: '.' },
    config: { type: 'string', description: 'A config file (JSON); default: the first example config' },
    json: { type: 'boolean', description: 'Print the steps as JSON' },
    header: {
      type: 'string',
      alias: 'H',
      description: "Sources: a request header, 'name: value' (repeat for more)",
    },
    query: { type: 'string', description: "Sources: a query parameter, 'name=value' (repeat for more)" },
    raw: {
      type: 'boolean',
      description:
        'Sources: the file is any body (not only JSON); it is parsed only when the content-type is JSON. The exact bytes always reach the source as rawBody',
    },
  },
  async run({ args, rawArgs }) {
    process.exitCode = await sendOne({
      input: args.input,
      connector: args.connector,
      config: args.config,
      json: Boolean(args.json),
      raw: Boolean(args.raw),
      ...requestFlags(rawArgs),
    })
  },
})
