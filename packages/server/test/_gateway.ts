import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type LogRecord, parsePipeline } from '@patchbay/core'
import { afterEach } from 'vitest'
import { type Gateway, type GatewayOptionsInput, startGateway } from '../src/index.ts'

/** The server package folder: pipelines resolve `@patchbay/destination-webhook` from here. */
export const serverDir = fileURLToPath(new URL('..', import.meta.url))
export const WRITE_KEY = 'wk_test_0123456789'

/** A request a receiver got, body parsed. */
export interface Delivered {
  method: string
  path: string
  headers: IncomingMessage['headers']
  body: unknown
  at: number
}

/**
 * A real HTTP receiver on 127.0.0.1. `respond` decides each answer (default 200), so a test
 * can script outages: 503s, then 429 with Retry-After, then recovery.
 */
export async function startReceiver(
  respond: (
    req: Delivered,
    n: number,
  ) => { status: number; headers?: Record<string, string>; delayMs?: number } = () => ({ status: 200 }),
) {
  const received: Delivered[] = []
  const answered: Array<Delivered & { status: number }> = []
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    const entry: Delivered = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: text ? JSON.parse(text) : undefined,
      at: Date.now(),
    }
    const { status, headers = {}, delayMs = 0 } = respond(entry, answered.length + 1)
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs))
    answered.push({ ...entry, status })
    if (status >= 200 && status < 300) received.push(entry)
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end('{}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    /** Requests answered 2xx. */
    received,
    /** Every request, with the status it got. */
    answered,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A pipeline with one SDK source and one webhook destination to `url`. */
export function webhookPipeline(url: string, extra: { delivery?: string; transformations?: string } = {}) {
  return `
name: test
sources:
  - id: web
    writeKey: ${WRITE_KEY}
${extra.transformations ?? ''}
destinations:
  - id: hook
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${url}/events" }
    ${extra.delivery ? `delivery: ${extra.delivery}` : ''}
egress: { allow: ["127.0.0.1"] }
`
}

/**
 * Gateways for one test file, each on a free port with its own temp data dir; all closed
 * and removed after each test. Call once at the top of the file.
 */
export function useGateways() {
  const open: Array<{ close(): Promise<void> }> = []
  const dirs: string[] = []
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close()
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-gateway-'))
    dirs.push(dir)
    return dir
  }
  return {
    track<T extends { close(): Promise<void> }>(item: T): T {
      open.push(item)
      return item
    },
    tempDir,
    /** `baseDir`: where the pipeline's plugins resolve from (default: the server package). */
    async start(
      yaml: string,
      options: GatewayOptionsInput = {},
      baseDir = serverDir,
    ): Promise<Gateway & { logs: LogRecord[] }> {
      const logs: LogRecord[] = []
      const gateway = await startGateway({
        pipeline: { ...parsePipeline(yaml, { file: join(baseDir, 'pipeline.yaml') }), baseDir },
        options: { port: 0, dataDir: options.dataDir ?? tempDir(), ...options },
        logSink: (record) => logs.push(record),
      })
      open.push(gateway)
      return Object.assign(gateway, { logs })
    },
  }
}

/** Basic auth header for a write key, as the SDKs send it. */
export const basic = (key = WRITE_KEY) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`

/** Posts JSON (or raw bytes) to the gateway. */
export async function post(
  gateway: { url: string },
  path: string,
  body: unknown,
  headers: Record<string, string> = { authorization: basic() },
) {
  const res = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body instanceof Uint8Array || typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined }
}

/** Waits until `check` returns true, polling; fails with `what` after `ms`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
