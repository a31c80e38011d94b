import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import {
  type InboundRequest,
  isPatchbayError,
  PluginRegistry,
  type PreparedSource,
  prepareSources,
  type SourcePlugin,
} from '@patchbay/core'
import { validateEvent } from '@patchbay/protocol'
import { EXIT, UsageError } from './_exit.ts'
import { color, type Output } from './_output.ts'

/**
 * The source as the gateway runs it: core's source stage (config validated, with a logger and
 * errors that redact the config's secrets), its log lines on stderr.
 */
export async function prepareDevSource(
  plugin: SourcePlugin,
  rawConfig: unknown,
  root: string,
  output: Output,
): Promise<PreparedSource> {
  const definition = {
    sources: [
      { id: 'dev', use: `${plugin.name}@${plugin.version}`, config: rawConfig as Record<string, unknown> },
    ],
    destinations: [],
  }
  const { sources } = await prepareSources(
    { definition, baseDir: root },
    {
      registry: new PluginRegistry().add(plugin),
      logSink: (r) => output.err(color.dim(`${r.level} ${r.message}`)),
    },
  )
  return sources[0]!
}

/**
 * Runs one request through the source; prints the events (stdout, redacted) or the refusal
 * (stderr). Events the gateway would refuse (not valid events) refuse the request, as there.
 */
export async function parseAndPrint(
  source: PreparedSource,
  request: InboundRequest,
  label: string,
  output: Output,
): Promise<{ ok: boolean; events: number; error?: string }> {
  try {
    const { events } = await source.parse!(request)
    const invalid = events.flatMap((event, i) => {
      const checked = validateEvent(event)
      return checked.ok ? [] : [`event ${i} ${checked.errors.map((e) => e.message).join('; ')}`]
    })
    if (invalid.length > 0) {
      const message = source.redactor.string(
        `PB_EVENT_INVALID: ${invalid.length} of ${events.length} events the source made are not valid, so the gateway would refuse the request (400): ${invalid.join(' | ')}`,
      )
      output.err(`${color.red('✗')} ${label}: ${message}`)
      return { ok: false, events: 0, error: message }
    }
    output.err(color.bold(`── ${label}: ${events.length} event${events.length === 1 ? '' : 's'}`))
    for (const event of events) output.out(source.redactor.string(JSON.stringify(event)))
    return { ok: true, events: events.length }
  } catch (error) {
    const message = isPatchbayError(error)
      ? `${error.code}: ${error.message}`
      : String((error as Error)?.message ?? error)
    output.err(`${color.red('✗')} ${label}: ${message}`)
    return { ok: false, events: 0, error: message }
  }
}

export const inbound = (r: Partial<InboundRequest>): InboundRequest => ({
  method: 'POST',
  url: '/',
  headers: { 'content-type': 'application/json' },
  query: {},
  body: undefined,
  ...r,
})

/**
 * `patchbay dev --once` for a source: parses its request fixtures (test/fixtures/contract/
 * requests/*.json, malformed ones excluded) or the `--input` request file once. Exit 1 when
 * a request is refused.
 */
export async function devSourceOnce(
  plugin: SourcePlugin,
  root: string,
  options: { input?: string; config?: unknown },
  output: Output,
): Promise<number> {
  const source = await prepareDevSource(plugin, options.config ?? plugin.examples?.[0] ?? {}, root, output)
  const dir = join(root, 'test', 'fixtures', 'contract', 'requests')
  const files = options.input
    ? [options.input]
    : existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.json'))
          .sort()
          .map((f) => join(dir, f))
      : []
  if (files.length === 0)
    throw new UsageError(
      `${plugin.name}: no requests to parse: give --input <request.json> ({ "request": { "body": ... } }), or add test/fixtures/contract/requests/*.json`,
    )
  let failed = 0
  for (const file of files) {
    const fixture = JSON.parse(readFileSync(file, 'utf8')) as { request?: Partial<InboundRequest> }
    const result = await parseAndPrint(source, inbound(fixture.request ?? {}), file, output)
    if (!result.ok) failed++
  }
  return failed > 0 ? EXIT.failed : EXIT.ok
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/**
 * Serves the source on 127.0.0.1: every request (any path) is parsed as the gateway would
 * hand it over (JSON bodies parsed, others as text) and its events printed. Answers 200
 * `{ "events": n }`, or 400 with the reason.
 */
export async function serveSource(
  plugin: SourcePlugin,
  options: { port: number; config?: unknown; root: string },
  output: Output,
): Promise<{ url: string; close(): Promise<void> }> {
  const source = await prepareDevSource(
    plugin,
    options.config ?? plugin.examples?.[0] ?? {},
    options.root,
    output,
  )
  const server = createServer(async (req, res) => {
    const raw = await readBody(req)
    const text = raw.toString('utf8')
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
    )
    let body: unknown = text === '' ? undefined : text
    if (text && /json/.test(headers['content-type'] ?? ''))
      try {
        body = JSON.parse(text)
      } catch {
        // a source sees the text and refuses it
      }
    const result = await parseAndPrint(
      source,
      inbound({
        method: req.method ?? 'POST',
        url: url.pathname + url.search,
        headers,
        query: Object.fromEntries(url.searchParams),
        body,
        rawBody: new Uint8Array(raw),
      }),
      `${req.method} ${url.pathname}${url.search}`,
      output,
    )
    res
      .writeHead(result.ok ? 200 : 400, { 'content-type': 'application/json' })
      .end(JSON.stringify(result.ok ? { events: result.events } : { error: result.error }))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
