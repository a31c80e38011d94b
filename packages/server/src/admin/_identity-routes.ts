import type { IncomingMessage, ServerResponse } from 'node:http'
import type { IdentityGraph } from '@patchbay/identity'
import { IngestError, sendJson } from '../ingest/_http.ts'

/** The longest identifier `lookup` takes (a canonical id is 36 characters; an email at most 254). */
const MAX_ID_CHARS = 1_024

/**
 * `GET /admin/identity/lookup?id=<type:value | value | canonical id>`: one person, as
 * `IdentityLookupSchema` (404 when no identifier or canonical id matches), and
 * `GET /admin/identity/stats[?largest=N]`: the graph at a glance, as `IdentityStatsSchema`.
 * Both answer 409 when the pipeline has no `identity:` block. On a store several nodes
 * share, they take in the other nodes' writes first.
 */
export async function handleIdentity(
  identity: IdentityGraph | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const route = url.pathname.slice('/admin/identity'.length)
  if (req.method !== 'GET' || (route !== '/lookup' && route !== '/stats'))
    throw new IngestError(404, 'PB_GATEWAY_NOT_FOUND', `no admin endpoint ${req.method} ${url.pathname}`)
  if (!identity)
    throw new IngestError(
      409,
      'PB_GATEWAY_IDENTITY_OFF',
      'identity stitching is off on this gateway: its pipeline has no `identity:` block. Add one (`identity: {}` takes the defaults; see docs/identity.md) and restart the gateway.',
    )
  if (route === '/stats') {
    const raw = url.searchParams.get('largest')
    const largest = raw === null ? 10 : Number(raw)
    if (!/^\d{1,4}$/.test(raw ?? '10') || largest > 1_000)
      throw new IngestError(400, 'PB_GATEWAY_BODY_INVALID', '`largest` must be a whole number from 0 to 1000')
    return sendJson(res, 200, await identity.stats({ largest }))
  }
  const id = url.searchParams.get('id')
  if (!id || id.length > MAX_ID_CHARS)
    throw new IngestError(
      400,
      'PB_GATEWAY_BODY_INVALID',
      `say which identifier: \`?id=type:value\` (e.g. email:ada@example.com), a bare value, or a canonical id, up to ${MAX_ID_CHARS} characters`,
    )
  const person = await identity.lookup(id)
  if (!person)
    throw new IngestError(
      404,
      'PB_GATEWAY_NOT_FOUND',
      `no identifier or canonical id ${JSON.stringify(id.length > 100 ? `${id.slice(0, 100)}…` : id)} in the identity graph: write it as type:value (e.g. userId:u1), and check that an event carrying it was processed`,
    )
  return sendJson(res, 200, person)
}
