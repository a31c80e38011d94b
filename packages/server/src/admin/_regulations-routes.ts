import type { IncomingMessage, ServerResponse } from 'node:http'
import { IngestError, parseJson, readBody, sendJson } from '../ingest/_http.ts'
import type { RegulationService } from '../regulations/regulation-service.ts'

/**
 * `GET /admin/regulations[?limit=&before=]` (newest first), `POST /admin/regulations`
 * (`{ type, identifiers }` → 201 with the regulation, once applied on this node),
 * `GET /admin/regulations/<id>` (with each destination's deletion status) and
 * `DELETE /admin/regulations/<id>` (lifts the suppression; the record stays).
 */
export async function handleRegulations(
  regulations: RegulationService,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  id: string | undefined,
): Promise<void> {
  if (!id && req.method === 'GET') {
    const limit = Number(url.searchParams.get('limit') ?? 100)
    const before = url.searchParams.get('before')
    const beforeId = before === null ? undefined : Number(before)
    if (
      !Number.isInteger(limit) ||
      limit < 1 ||
      limit > 1000 ||
      (beforeId !== undefined && !Number.isInteger(beforeId))
    )
      throw new IngestError(
        400,
        'PB_GATEWAY_BODY_INVALID',
        '`limit` must be an integer from 1 to 1000 and `before` a regulation id',
      )
    return sendJson(
      res,
      200,
      await regulations.list({ limit, ...(beforeId === undefined ? {} : { beforeId }) }),
    )
  }
  if (!id && req.method === 'POST') {
    const body = parseJson(await readBody(req, 1024 * 1024), 16)
    return sendJson(res, 201, await regulations.create(body))
  }
  if (id && /^\d+$/.test(id) && (req.method === 'GET' || req.method === 'DELETE')) {
    if (req.method === 'GET') {
      const found = await regulations.get(Number(id))
      if (!found) throw new IngestError(404, 'PB_GATEWAY_NOT_FOUND', `no regulation ${id}`)
      return sendJson(res, 200, found)
    }
    if (!(await regulations.remove(Number(id))))
      throw new IngestError(
        404,
        'PB_GATEWAY_NOT_FOUND',
        `no regulation ${id} in force (unknown, or removed already)`,
      )
    return sendJson(res, 200, { removed: Number(id) })
  }
  throw new IngestError(404, 'PB_GATEWAY_NOT_FOUND', `no admin endpoint ${req.method} ${url.pathname}`)
}
