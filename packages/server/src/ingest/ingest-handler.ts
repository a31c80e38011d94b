import '../error-codes.ts'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { type InboundRequest, isPatchbayError, type SourceResult } from '@patchbay/core'
import type { StorageHealth } from '../_storage-health.ts'
import type { GatewayMetrics, RejectReason } from '../metrics/gateway-metrics.ts'
import { isStoreUnavailable } from '../store/_unavailable.ts'
import type { Store } from '../store/store.ts'
import { acceptEvents, clip, EVENT_TYPES } from './_events.ts'
import {
  clientIp,
  IngestError,
  parseJson,
  RequestAborted,
  readBody,
  sendJson,
  sendRefusal,
  writeKeyOf,
} from './_http.ts'

/** A source of the pipeline as the gateway sees it. */
export interface IngestSource {
  id: string
  writeKey?: string
  /** The source plugin's parser, for `/v1/webhook/<id>`; absent for SDK-only sources. */
  parse?: (request: InboundRequest) => Promise<SourceResult>
}

/** What ingestion reports, for /metrics. */
export type IngestCounters = Pick<GatewayMetrics, 'accepted' | 'rejected' | 'ingestRequest'> &
  Partial<Pick<GatewayMetrics, 'suppressed'>>

export interface IngestOptions {
  sources: readonly IngestSource[]
  store: Pick<Store, 'append'>
  counters: IngestCounters
  limits: { eventBytes: number; batchBytes: number; batchEvents: number; depth: number }
  trustProxy: boolean
  /** Returns a reason while the queue is past its limits: ingestion answers 503. */
  overloaded: () => Promise<string | undefined>
  retryAfterSeconds: number
  /** Whether the data directory's disk is full (ingestion answers 503 meanwhile), and where to report that it is. */
  storage: Pick<StorageHealth, 'full' | 'report'>
  /** Called after events are durably stored (wakes the processor). */
  onAccepted?: () => void
  /** Users under a regulation: their events are answered 200 and not stored. */
  suppression?: { matches(event: unknown): boolean; readonly size: number }
  now?: () => Date
  /** For unexpected failures (a bug or a broken disk): the client gets a 500. */
  onError?: (error: unknown) => void
}

const REASONS: Partial<Record<string, RejectReason>> = {
  PB_GATEWAY_UNAUTHORIZED: 'unauthorized',
  PB_GATEWAY_BODY_TOO_LARGE: 'too_large',
  PB_EVENT_TOO_LARGE: 'too_large',
  PB_GATEWAY_OVERLOADED: 'backpressure',
  PB_GATEWAY_STORAGE_FULL: 'storage_full',
  PB_GATEWAY_STORE_UNAVAILABLE: 'store_unavailable',
}

/** Refusals that ask the client to come back later, with Retry-After. */
const RETRY_LATER = new Set([
  'PB_GATEWAY_OVERLOADED',
  'PB_GATEWAY_STORAGE_FULL',
  'PB_GATEWAY_STORE_UNAVAILABLE',
])

/**
 * The ingestion endpoints: `/v1/{track,identify,page,screen,group,alias,batch}` as in the
 * Segment and RudderStack HTTP APIs, and `/v1/webhook/<source>` through a source plugin.
 * A request is answered 200 only once its events are durably stored; any refusal stores
 * nothing of it.
 */
export function createIngestHandler(options: IngestOptions) {
  const byKey = new Map(options.sources.filter((s) => s.writeKey).map((s) => [s.writeKey!, s]))
  const byId = new Map(options.sources.map((s) => [s.id, s]))
  const now = options.now ?? (() => new Date())

  /** Who is sending: set as soon as the write key is known, so refusals are counted per source. */
  interface Call {
    source?: IngestSource
  }

  function authorize(call: Call, key: string | undefined, source?: IngestSource): IngestSource {
    if (!key)
      throw new IngestError(
        401,
        'PB_GATEWAY_UNAUTHORIZED',
        'no write key: send it as HTTP Basic auth (the key as user name, empty password)',
      )
    const found = byKey.get(key)
    if (found) call.source = found
    if (!found || (source && found !== source))
      throw new IngestError(
        401,
        'PB_GATEWAY_UNAUTHORIZED',
        `the write key is not one of ${source ? `source "${source.id}"` : 'this gateway'}`,
      )
    return found
  }

  const storeUnavailable = (error: unknown, events: number) =>
    new IngestError(
      503,
      'PB_GATEWAY_STORE_UNAVAILABLE',
      `the gateway is not accepting events for now: its store cannot be reached (${(error as Error).message})`,
      {},
      events,
    )

  const storageFull = (events = 1) =>
    new IngestError(
      503,
      'PB_GATEWAY_STORAGE_FULL',
      'the gateway is not accepting events for now: the disk of its data directory is full',
      {},
      events,
    )

  async function checkCapacity() {
    if (options.storage.full()) throw storageFull()
    let reason: string | undefined
    try {
      reason = await options.overloaded()
    } catch (error) {
      // The queue counts come from the store: when it cannot be reached, nothing can be stored either.
      if (isStoreUnavailable(error)) throw storeUnavailable(error, 1)
      throw error
    }
    if (reason)
      throw new IngestError(
        503,
        'PB_GATEWAY_OVERLOADED',
        `the gateway is not accepting events for now: ${reason}`,
      )
  }

  async function store(source: IngestSource, accepted: ReturnType<typeof acceptEvents>) {
    let { events, json } = accepted
    const suppression = options.suppression
    if (suppression && suppression.size > 0) {
      const keep = events.map((event) => !suppression.matches(event))
      const dropped = keep.filter((k) => !k).length
      if (dropped > 0) {
        options.counters.suppressed?.(source.id, 'ingest', dropped)
        events = events.filter((_, i) => keep[i])
        json = json.filter((_, i) => keep[i])
        // The SDKs expect 200 for a user they keep sending events of.
        if (events.length === 0) return
      }
    }
    try {
      await options.store.append(
        events.map((event, i) => ({
          sourceId: source.id,
          messageId: event.messageId,
          event,
          json: json[i]!,
        })),
      )
    } catch (error) {
      // Nothing of the request was kept (appends are all-or-nothing): the client retries later.
      if (options.storage.report(error)) throw storageFull(events.length)
      if (isStoreUnavailable(error)) throw storeUnavailable(error, events.length)
      throw error
    }
    options.counters.accepted(source.id, events.length)
    options.onAccepted?.()
  }

  async function sdkCall(
    call: Call,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    type: string | undefined,
  ) {
    const limit = type ? options.limits.eventBytes * 2 : options.limits.batchBytes
    const headerKey = writeKeyOf(req, url)
    let body: unknown
    let source: IngestSource
    if (headerKey) {
      source = authorize(call, headerKey)
      await checkCapacity()
      body = parseJson(await readBody(req, limit), options.limits.depth)
    } else {
      // Segment's HTTP API also takes the write key in the body.
      body = parseJson(await readBody(req, limit), options.limits.depth)
      const bodyKey = (body as { writeKey?: unknown } | null)?.writeKey
      source = authorize(call, typeof bodyKey === 'string' ? bodyKey : undefined)
      await checkCapacity()
    }
    const accepted = acceptEvents(body, {
      type,
      batch: type === undefined,
      eventBytes: options.limits.eventBytes,
      batchEvents: options.limits.batchEvents,
      receivedAt: now(),
      requestIp: clientIp(req, options.trustProxy),
    })
    await store(source, accepted)
    sendJson(res, 200, { success: true })
  }

  async function webhook(call: Call, req: IncomingMessage, res: ServerResponse, url: URL, rawId: string) {
    // The key first: without a valid one, nobody learns which source ids exist.
    const key = writeKeyOf(req, url)
    authorize(call, key)
    let id: string
    try {
      id = decodeURIComponent(rawId)
    } catch {
      id = rawId // bad percent-encoding: no source has such an id
    }
    const target = byId.get(id)
    if (!target)
      throw new IngestError(404, 'PB_GATEWAY_NOT_FOUND', `the pipeline has no source "${clip(id)}"`, {}, 0)
    const source = authorize(call, key, target)
    if (!target.parse)
      throw new IngestError(
        404,
        'PB_GATEWAY_NOT_FOUND',
        `source "${id}" has no \`use:\` plugin: it takes SDK calls only`,
        {},
        0,
      )
    await checkCapacity()
    const raw = await readBody(req, options.limits.batchBytes)
    const type = String(req.headers['content-type'] ?? '')
    const request: InboundRequest = {
      method: req.method ?? 'POST',
      url: url.pathname,
      headers: Object.fromEntries(
        Object.entries(req.headers)
          .filter(([name]) => name !== 'authorization')
          .map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]),
      ),
      query: Object.fromEntries([...url.searchParams].filter(([name]) => name !== 'writeKey')),
      body: /json/i.test(type) ? parseJson(raw, options.limits.depth) : raw.toString('utf8'),
      rawBody: new Uint8Array(raw),
    }
    let result: SourceResult
    try {
      result = await target.parse!(request)
    } catch (error) {
      if (isPatchbayError(error) && error.family === 'event')
        throw new IngestError(400, error.code, `source "${id}": ${error.message}`)
      throw error
    }
    const accepted = acceptEvents(
      { batch: result.events },
      {
        batch: true,
        eventBytes: options.limits.eventBytes,
        batchEvents: options.limits.batchEvents,
        receivedAt: now(),
        requestIp: clientIp(req, options.trustProxy),
      },
    )
    await store(source, accepted)
    const reply = result.response ?? { status: 200, body: { ok: true } }
    sendJson(res, reply.status, reply.body ?? null, reply.headers)
  }

  return async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const [, v1, name, id, extra] = url.pathname.split('/')
    const known =
      v1 === 'v1' &&
      extra === undefined &&
      ((name === 'webhook' && !!id) ||
        ((name === 'batch' || (EVENT_TYPES as readonly string[]).includes(name ?? '')) && id === undefined))
    // A bounded label: one series per real endpoint, never one per path someone tried.
    const endpoint = !known ? 'other' : name === 'webhook' ? '/v1/webhook' : `/v1/${name}`
    const call: Call = {}
    try {
      if (!known)
        throw new IngestError(404, 'PB_GATEWAY_NOT_FOUND', `no endpoint ${clip(url.pathname)}`, {}, 0)
      if (req.method !== 'POST')
        throw new IngestError(405, 'PB_GATEWAY_NOT_FOUND', `${url.pathname} takes POST`, {}, 0)
      if (name === 'webhook') await webhook(call, req, res, url, id!)
      else await sdkCall(call, req, res, url, name === 'batch' ? undefined : name)
      options.counters.ingestRequest(endpoint, res.statusCode)
    } catch (error) {
      if (error instanceof RequestAborted) {
        // Nobody to answer, nothing stored, nobody's fault here: counted, not logged as a failure.
        options.counters.ingestRequest(endpoint, 'aborted')
        res.destroy()
        return
      }
      if (!(error instanceof IngestError)) {
        options.onError?.(error)
        sendJson(res, 500, {
          success: false,
          error: { code: 'PB_INTERNAL', message: 'the gateway failed to store the request; retry it' },
        })
        options.counters.ingestRequest(endpoint, 500)
        return
      }
      if (error.events > 0)
        options.counters.rejected(call.source?.id ?? '-', REASONS[error.code] ?? 'invalid', error.events)
      // An unread body must not be parsed as the next request: close the connection.
      const headers: Record<string, string> = req.complete ? {} : { connection: 'close' }
      if (RETRY_LATER.has(error.code)) headers['retry-after'] = String(options.retryAfterSeconds)
      sendRefusal(res, error, headers)
      options.counters.ingestRequest(endpoint, error.status)
    }
  }
}
