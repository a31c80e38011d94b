import '../error-codes.ts'
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { IdentityGraph } from '@patchbay/identity'
import { IngestError, parseJson, readBody, sendJson, sendRefusal } from '../ingest/_http.ts'
import type { RegulationService } from '../regulations/regulation-service.ts'
import type { DeadLetterSelector, DeadLetters, StoreStats } from '../store/store.ts'
import { handleIdentity } from './_identity-routes.ts'
import { handleRegulations } from './_regulations-routes.ts'

export interface AdminOptions {
  /** The bearer token /admin requires; without one the admin API is off (404). */
  token: string | undefined
  deadLetters: DeadLetters
  stats: () => Promise<StoreStats>
  /** `/admin/regulations`: suppression and deletion of users. */
  regulations?: RegulationService
  /** `/admin/identity/lookup|stats`: the identity graph (undefined: the pipeline has no `identity:` block). */
  identity?: IdentityGraph | undefined
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** `{ ids?: number[], destinationId?: string }`, at least one of them. */
function selectorOf(body: unknown): DeadLetterSelector {
  const value = (body ?? {}) as { ids?: unknown; destinationId?: unknown }
  const ids = value.ids
  const destinationId = value.destinationId
  if (ids !== undefined && (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id))))
    throw new IngestError(
      400,
      'PB_GATEWAY_BODY_INVALID',
      '`ids` must be an array of dead letter ids (integers)',
    )
  if (destinationId !== undefined && typeof destinationId !== 'string')
    throw new IngestError(400, 'PB_GATEWAY_BODY_INVALID', '`destinationId` must be a string')
  if (ids === undefined && destinationId === undefined)
    throw new IngestError(
      400,
      'PB_GATEWAY_BODY_INVALID',
      'say which dead letters: `{ "ids": [...] }` and/or `{ "destinationId": "..." }`',
    )
  return {
    ...(ids ? { ids: ids as number[] } : {}),
    ...(destinationId ? { destinationId: destinationId as string } : {}),
  }
}

/**
 * The admin API, for operating a running gateway (`patchbay dlq --gateway URL`):
 * `GET /admin/stats`, `GET /admin/dead-letters[?destination=&limit=&after=]`,
 * `GET /admin/dead-letters/<id>`, `POST /admin/dead-letters/replay` and
 * `POST /admin/dead-letters/purge` with `{ ids?, destinationId? }`, and the regulations
 * (`GET|POST /admin/regulations`, `GET|DELETE /admin/regulations/<id>`), and the identity
 * graph (`GET /admin/identity/lookup?id=`, `GET /admin/identity/stats`). Every call needs
 * `Authorization: Bearer <admin token>`; without a configured token the API does not exist.
 */
export function createAdminHandler(options: AdminOptions) {
  return async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
      if (!options.token)
        throw new IngestError(
          404,
          'PB_GATEWAY_NOT_FOUND',
          'the admin API is off: start the gateway with an admin token (PATCHBAY_ADMIN_TOKEN) to use it',
        )
      const auth = req.headers.authorization ?? ''
      if (!auth.startsWith('Bearer ') || !sameToken(auth.slice(7).trim(), options.token))
        throw new IngestError(
          401,
          'PB_GATEWAY_UNAUTHORIZED',
          'the admin API needs `Authorization: Bearer <admin token>`',
        )
      const [, , resource, id] = url.pathname.split('/')
      const { deadLetters } = options
      if (req.method === 'GET' && resource === 'stats' && !id)
        return sendJson(res, 200, await options.stats())
      if (resource === 'dead-letters' && req.method === 'GET' && !id) {
        const limit = Number(url.searchParams.get('limit') ?? 100)
        const afterId = Number(url.searchParams.get('after') ?? 0)
        const destinationId = url.searchParams.get('destination') ?? undefined
        if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(afterId) || afterId < 0)
          throw new IngestError(
            400,
            'PB_GATEWAY_BODY_INVALID',
            '`limit` and `after` must be non-negative integers',
          )
        return sendJson(
          res,
          200,
          await deadLetters.list({ limit, afterId, ...(destinationId ? { destinationId } : {}) }),
        )
      }
      if (resource === 'dead-letters' && req.method === 'GET' && id && /^\d+$/.test(id)) {
        const found = await deadLetters.get(Number(id))
        if (!found) throw new IngestError(404, 'PB_GATEWAY_NOT_FOUND', `no dead letter ${id}`)
        return sendJson(res, 200, found)
      }
      if (resource === 'identity') return await handleIdentity(options.identity, req, res, url)
      if (resource === 'regulations' && options.regulations)
        return await handleRegulations(options.regulations, req, res, url, id)
      if (resource === 'dead-letters' && req.method === 'POST' && (id === 'replay' || id === 'purge')) {
        const selector = selectorOf(parseJson(await readBody(req, 1024 * 1024), 16))
        if (id === 'replay')
          return sendJson(res, 200, { replayed: await deadLetters.replay(selector, Date.now()) })
        return sendJson(res, 200, { purged: await deadLetters.purge(selector) })
      }
      throw new IngestError(404, 'PB_GATEWAY_NOT_FOUND', `no admin endpoint ${req.method} ${url.pathname}`)
    } catch (error) {
      if (!(error instanceof IngestError)) throw error
      sendRefusal(res, error)
    }
  }
}
