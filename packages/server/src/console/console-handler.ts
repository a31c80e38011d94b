import '../error-codes.ts'
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { LookupResult, Overview } from '@patchbay/console'
import type { Redactor } from '@patchbay/core'
import { IngestError, parseJson, readBody, sendJson, sendRefusal } from '../ingest/_http.ts'
import type { DeadLetterSelector, DeadLetters, Store, StoreStats } from '../store/store.ts'
import type { LiveStreams } from './_live.ts'
import { LOGIN_CSP, loginPage } from './_login-page.ts'
import type { MetricsHistory } from './_metrics-history.ts'
import { MAX_PLAYGROUND_CODE, MAX_PLAYGROUND_EVENTS, type Playground } from './_playground.ts'
import type { RecentEvents } from './_recent.ts'
import { filterFromQuery } from './_records.ts'
import type { Sessions } from './_session.ts'
import { consoleCsp, NONCE_PLACEHOLDER } from './_static.ts'

export interface ConsoleHandlerOptions {
  sessions: Sessions
  files: (path: string) => Promise<{ body: Buffer; type: string } | undefined>
  recent: RecentEvents
  live: LiveStreams
  history: () => MetricsHistory
  deadLetters: DeadLetters
  stats: () => Promise<StoreStats>
  find: Store['find']
  playground: Playground
  redactor: Redactor
  overview: () => Overview
}

/** Headers every console answer carries. */
const HARDENING = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
}

/** Cookie-authenticated requests that change something must carry this header (a cross-site form cannot). */
const CSRF_HEADER = 'x-patchbay-console'

const refuse = (
  status: number,
  code: 'PB_GATEWAY_UNAUTHORIZED' | 'PB_GATEWAY_NOT_FOUND' | 'PB_GATEWAY_BODY_INVALID',
  message: string,
) => new IngestError(status, code, message)

function html(
  res: ServerResponse,
  status: number,
  body: string,
  csp: string,
  extra: Record<string, string> = {},
) {
  res.writeHead(status, {
    ...HARDENING,
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': csp,
    'cache-control': 'no-store',
    ...extra,
  })
  res.end(body)
}

function selectorOf(body: unknown): DeadLetterSelector {
  const value = (body ?? {}) as { ids?: unknown; destinationId?: unknown }
  const { ids, destinationId } = value
  if (ids !== undefined && (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id))))
    throw refuse(400, 'PB_GATEWAY_BODY_INVALID', '`ids` must be an array of dead letter ids (integers)')
  if (destinationId !== undefined && typeof destinationId !== 'string')
    throw refuse(400, 'PB_GATEWAY_BODY_INVALID', '`destinationId` must be a string')
  if (ids === undefined && destinationId === undefined)
    throw refuse(
      400,
      'PB_GATEWAY_BODY_INVALID',
      'say which dead letters: `{ "ids": [...] }` and/or `{ "destinationId": "..." }`',
    )
  return {
    ...(ids ? { ids: ids as number[] } : {}),
    ...(destinationId ? { destinationId: destinationId as string } : {}),
  }
}

/** Stored matches a look-up returns per table (pending events, jobs, dead letters) at most. */
const LOOKUP_LIMIT = 100

/**
 * The console's routes, all under /console: the page and its files, the login form, and the
 * JSON API the page calls (`/console/api/...`). Every route but `POST /console/login` needs a
 * console session (cookie) or `Authorization: Bearer <admin token>`; without either it
 * answers 401 (the page routes with the login form as the body).
 */
export function createConsoleHandler(options: ConsoleHandlerOptions) {
  const { sessions } = options
  const send = (res: ServerResponse, status: number, body: unknown) =>
    sendJson(res, status, options.redactor.value(body), { ...HARDENING, 'cache-control': 'no-store' })

  async function api(req: IncomingMessage, res: ServerResponse, url: URL, parts: string[]): Promise<void> {
    const [resource, id] = parts
    const get = req.method === 'GET'
    if (get && resource === 'overview' && !id)
      return send(res, 200, { ...options.overview(), stats: await options.stats() })
    if (get && resource === 'live' && !id) {
      if (!options.live.open(req, res, filterFromQuery(url.searchParams)))
        throw new IngestError(429, 'PB_GATEWAY_BODY_INVALID', 'too many live views are open; close one')
      return
    }
    if (get && resource === 'events' && id && /^\d+$/.test(id)) {
      const record = options.recent.get(Number(id))
      if (!record)
        throw refuse(404, 'PB_GATEWAY_NOT_FOUND', `event ${id} is no longer among the recent events`)
      return send(res, 200, record)
    }
    if (get && resource === 'lookup' && !id) {
      const messageId = url.searchParams.get('messageId')?.trim() || undefined
      const userId = url.searchParams.get('user')?.trim() || undefined
      if (!messageId && !userId)
        throw refuse(400, 'PB_GATEWAY_BODY_INVALID', 'look up by `messageId` or `user`')
      if ((messageId?.length ?? 0) > 500 || (userId?.length ?? 0) > 500)
        throw refuse(400, 'PB_GATEWAY_BODY_INVALID', '`messageId` and `user` are at most 500 characters')
      const wanted = { ...(messageId ? { messageId } : {}), ...(userId ? { userId } : {}) }
      const stored = await options.find({
        ...(messageId ? { messageId } : {}),
        ...(userId ? { user: userId } : {}),
        limit: LOOKUP_LIMIT,
      })
      const result: LookupResult = {
        recent: options.recent.find(wanted, LOOKUP_LIMIT),
        recentCapacity: options.recent.capacity,
        stored: stored.matches,
        storedLimit: LOOKUP_LIMIT,
        storedComplete: stored.complete,
      }
      return send(res, 200, result)
    }
    if (get && resource === 'metrics' && !id) return send(res, 200, options.history())
    if (resource === 'dead-letters') {
      if (get && !id) {
        const limit = Math.min(500, Number(url.searchParams.get('limit') ?? 100))
        const afterId = Number(url.searchParams.get('after') ?? 0)
        const destinationId = url.searchParams.get('destination') || undefined
        if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(afterId) || afterId < 0)
          throw refuse(400, 'PB_GATEWAY_BODY_INVALID', '`limit` and `after` must be non-negative integers')
        return send(res, 200, {
          deadLetters: await options.deadLetters.list({
            limit,
            afterId,
            ...(destinationId ? { destinationId } : {}),
          }),
          total: await options.deadLetters.count(destinationId),
        })
      }
      if (get && id && /^\d+$/.test(id)) {
        const found = await options.deadLetters.get(Number(id))
        if (!found) throw refuse(404, 'PB_GATEWAY_NOT_FOUND', `no dead letter ${id}`)
        return send(res, 200, found)
      }
      if (req.method === 'POST' && (id === 'replay' || id === 'purge')) {
        const selector = selectorOf(parseJson(await readBody(req, 1024 * 1024), 16))
        if (id === 'replay')
          return send(res, 200, { replayed: await options.deadLetters.replay(selector, Date.now()) })
        return send(res, 200, { purged: await options.deadLetters.purge(selector) })
      }
    }
    if (req.method === 'POST' && resource === 'playground' && !id) {
      const body = parseJson(await readBody(req, 4 * 1024 * 1024), 64) as Record<string, unknown>
      const code = body?.code
      if (typeof code !== 'string' || code.length === 0 || code.length > MAX_PLAYGROUND_CODE)
        throw refuse(
          400,
          'PB_GATEWAY_BODY_INVALID',
          '`code` must be the transformation source (up to 256 KB)',
        )
      const language = body.language === 'ts' ? 'ts' : 'js'
      const sourceId = typeof body.sourceId === 'string' && body.sourceId ? body.sourceId : undefined
      let events: unknown[]
      if (Array.isArray(body.events)) events = body.events
      else {
        const last = Number(body.last ?? 10)
        if (!Number.isInteger(last) || last < 1)
          throw refuse(
            400,
            'PB_GATEWAY_BODY_INVALID',
            '`last` must be a positive integer (how many live events)',
          )
        events = options.recent
          .find(sourceId ? { sourceId } : {}, Math.min(last, MAX_PLAYGROUND_EVENTS))
          .reverse()
          .map((r) => r.event)
      }
      if (events.length === 0)
        throw refuse(
          400,
          'PB_GATEWAY_BODY_INVALID',
          'no events to run on: paste some, or send events to the gateway first',
        )
      if (events.length > MAX_PLAYGROUND_EVENTS)
        throw refuse(
          400,
          'PB_GATEWAY_BODY_INVALID',
          `the playground runs at most ${MAX_PLAYGROUND_EVENTS} events at a time`,
        )
      const result = await options.playground.run({
        code,
        language,
        events,
        ...(sourceId ? { sourceId } : {}),
      })
      if (result === 'busy')
        throw new IngestError(
          429,
          'PB_GATEWAY_BODY_INVALID',
          'a playground run is in progress; try again when it ends',
        )
      return send(res, 200, result)
    }
    throw refuse(404, 'PB_GATEWAY_NOT_FOUND', `no console endpoint ${req.method} ${url.pathname}`)
  }

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = req.headers.origin
    if (origin !== undefined && origin !== 'null' && new URL(origin).host !== req.headers.host)
      throw refuse(
        401,
        'PB_GATEWAY_UNAUTHORIZED',
        'the console login accepts forms from the console itself only',
      )
    const form = new URLSearchParams((await readBody(req, 16 * 1024)).toString('utf8'))
    const id = sessions.login(form.get('token') ?? '')
    if (!id) return html(res, 401, loginPage(true), LOGIN_CSP)
    const secure = (req.socket as { encrypted?: boolean }).encrypted === true
    res.writeHead(303, { ...HARDENING, location: '/console/', 'set-cookie': sessions.cookieFor(id, secure) })
    res.end()
  }

  return async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
      const parts = url.pathname.split('/').slice(2) // ['', 'console', ...]
      if (req.method === 'POST' && parts.length === 1 && parts[0] === 'login') return await login(req, res)
      const how = sessions.check(req)
      const isApi = parts[0] === 'api'
      if (!how) {
        if (isApi)
          throw refuse(
            401,
            'PB_GATEWAY_UNAUTHORIZED',
            'the console API needs a console session or `Authorization: Bearer <admin token>`',
          )
        return html(res, 401, loginPage(false), LOGIN_CSP)
      }
      if (how === 'cookie' && req.method !== 'GET' && req.headers[CSRF_HEADER] !== '1')
        throw refuse(
          401,
          'PB_GATEWAY_UNAUTHORIZED',
          `console requests that change something carry the header ${CSRF_HEADER}: 1`,
        )
      if (req.method === 'POST' && parts.length === 1 && parts[0] === 'logout') {
        sessions.logout(req)
        res.writeHead(303, { ...HARDENING, location: '/console/', 'set-cookie': sessions.clearCookie() })
        return void res.end()
      }
      if (isApi) return await api(req, res, url, parts.slice(1))
      if (req.method !== 'GET')
        throw refuse(404, 'PB_GATEWAY_NOT_FOUND', `no console page ${req.method} ${url.pathname}`)
      const path = parts.join('/') || 'index.html'
      const file = await options.files(path)
      if (!file) {
        if (path === 'index.html')
          return html(res, 503, 'The console is not built: run `npm run build`.', consoleCsp())
        throw refuse(404, 'PB_GATEWAY_NOT_FOUND', `no console file ${url.pathname}`)
      }
      const nonce = path === 'index.html' ? randomBytes(16).toString('base64') : undefined
      const body = nonce
        ? Buffer.from(file.body.toString('utf8').replace(NONCE_PLACEHOLDER, nonce))
        : file.body
      res.writeHead(200, {
        ...HARDENING,
        'content-type': file.type,
        'content-security-policy': consoleCsp(nonce),
        'cache-control': path.startsWith('assets/') ? 'private, max-age=31536000, immutable' : 'no-store',
      })
      res.end(body)
    } catch (error) {
      if (!(error instanceof IngestError)) throw error
      sendRefusal(res, error, HARDENING)
    }
  }
}
