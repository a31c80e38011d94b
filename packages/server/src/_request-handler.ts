import './error-codes.ts'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { LogSink } from '@patchbay/core'
import { IngestError, RequestAborted, sendJson, sendRefusal } from './ingest/_http.ts'

type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>

export interface RequestHandlerOptions {
  health: () => Promise<{ status: number; body: unknown }>
  metrics: { render(): Promise<string>; readonly contentType: string }
  admin: Route
  /** The web console (`/console`, `/console/...`). */
  console?: Route
  ingest: Route
  log: LogSink
  /** Counts an unexpected error (`patchbay_internal_errors_total`). */
  internalError: (where: 'request' | 'admin') => void
}

/** The longest log line an unexpected request error writes (its stack is cut there). */
export const MAX_LOG_CHARS = 4_000

/**
 * The request target as a URL. An origin-form target (`/v1/batch?x=1`) is taken as a path,
 * even one starting `//` that a URL parser would read as a host (`//a:b:c/`); anything
 * else is a 400.
 */
function requestUrl(target: string | undefined): URL {
  try {
    if (target?.startsWith('/')) return new URL(`http://gateway${target}`)
  } catch {
    // an unparsable path: refused below
  }
  throw new IngestError(
    400,
    'PB_GATEWAY_BAD_REQUEST',
    'the request target is not a path the gateway can read',
    {},
    0,
  )
}

/**
 * The gateway's HTTP entry point: one error boundary around every route. A refusal
 * (IngestError) is answered as such; a client that went away is dropped quietly; anything
 * else is logged (bounded) and counted, and answered 500 if an answer is still possible.
 * Nothing a request does can escape as an uncaught exception.
 */
export function createRequestHandler(options: RequestHandlerOptions) {
  function fail(req: IncomingMessage, res: ServerResponse, error: unknown, where: 'request' | 'admin') {
    if (error instanceof IngestError) {
      if (res.headersSent) return void res.destroy()
      return sendRefusal(res, error, req.complete ? {} : { connection: 'close' })
    }
    if (error instanceof RequestAborted) return void res.destroy()
    options.internalError(where)
    const text = `${req.method} ${String(req.url).slice(0, 200)} failed unexpectedly: ${(error as Error)?.stack ?? String(error)}`
    options.log({
      level: 'error',
      scope: 'gateway',
      message: text.length > MAX_LOG_CHARS ? `${text.slice(0, MAX_LOG_CHARS)}… (clipped)` : text,
    })
    if (res.headersSent || res.destroyed) return void res.destroy()
    sendJson(
      res,
      500,
      { success: false, error: { code: 'PB_INTERNAL', message: 'see the gateway log' } },
      { connection: 'close' },
    )
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req.url)
    if (req.method === 'GET' && url.pathname === '/health') {
      const { status, body } = await options.health()
      return sendJson(res, status, body)
    }
    if (req.method === 'GET' && url.pathname === '/metrics') {
      const text = await options.metrics.render()
      res.writeHead(200, { 'content-type': options.metrics.contentType })
      return void res.end(text)
    }
    if (url.pathname.startsWith('/admin/')) {
      try {
        return await options.admin(req, res, url)
      } catch (error) {
        return fail(req, res, error, 'admin')
      }
    }
    if (options.console && (url.pathname === '/console' || url.pathname.startsWith('/console/'))) {
      try {
        return await options.console(req, res, url)
      } catch (error) {
        return fail(req, res, error, 'admin')
      }
    }
    return await options.ingest(req, res, url)
  }

  return function handle(req: IncomingMessage, res: ServerResponse): void {
    // A reset connection must not become an 'error' event nobody listens to.
    req.on('error', () => {})
    res.on('error', () => {})
    try {
      route(req, res).catch((error: unknown) => fail(req, res, error, 'request'))
    } catch (error) {
      fail(req, res, error, 'request')
    }
  }
}
