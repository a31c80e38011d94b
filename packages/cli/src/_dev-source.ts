import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import {
  compileConfig,
  createLogger,
  type InboundRequest,
  isPatchbayError,
  runtimeServices,
  type SourcePlugin,
} from '@patchbay/core'
import { EXIT, UsageError } from './_exit.ts'
import { color, type Output } from './_output.ts'

/** A source's context as a host builds it, logging to stderr. */
export function sourceContext(plugin: SourcePlugin, rawConfig: unknown, output: Output) {
  const config = compileConfig(plugin.config).parse(rawConfig, { plugin: plugin.name })
  return {
    ...runtimeServices,
    config,
    plugin: `${plugin.name}@${plugin.version}`,
    logger: createLogger({
      scope: plugin.name,
      sink: (r) => output.err(color.dim(`${r.level} ${r.message}`)),
    }),
  }
}

/** Runs one request through the source; prints the events (stdout) or the refusal (stderr). */
export async function parseAndPrint(
  plugin: SourcePlugin,
  ctx: ReturnType<typeof sourceContext>,
  request: InboundRequest,
  label: string,
  output: Output,
): Promise<{ ok: boolean; events: number; error?: string }> {
  try {
    const { events } = await plugin.parse(request, ctx as never)
    output.err(color.bold(`── ${label}: ${events.length} event${events.length === 1 ? '' : 's'}`))
    for (const event of events) output.out(JSON.stringify(event))
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
  const ctx = sourceContext(plugin, options.config ?? plugin.examples?.[0] ?? {}, output)
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
    const result = await parseAndPrint(plugin, ctx, inbound(fixture.request ?? {}), file, output)
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
  options: { port: number; config?: unknown },
  output: Output,
): Promise<{ url: string; close(): Promise<void> }> {
  const ctx = sourceContext(plugin, options.config ?? plugin.examples?.[0] ?? {}, output)
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
      plugin,
      ctx,
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
