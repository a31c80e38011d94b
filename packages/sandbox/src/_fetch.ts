import './error-codes.ts'
import { isIP } from 'node:net'
import { createEgressGuard, type EgressPolicy, isPatchbayError } from '@patchbay/core'
import { Agent, request } from 'undici'
import { compileFetchAllow } from './_fetch-allow.ts'
import type { ResolvedSandboxOptions } from './sandbox-options.ts'

/** What user code asked for, already checked for shape inside the isolate. */
export interface FetchRequest {
  url: string
  method: string
  headers: Record<string, string>
  body?: string
}

export interface FetchResponse {
  url: string
  status: number
  headers: Record<string, string>
  body: string
}

/** An error handed back to user code (it becomes an Error inside the isolate). */
export interface FetchFailure {
  name: string
  message: string
  code?: string
}

/**
 * What one batch may still fetch: requests in flight (more wait their turn), requests in all,
 * and response bytes over all its requests. `abort()` ends every request of the batch; the
 * batch calls it when it ends, so nothing it started outlives it.
 */
/** A piece's share of its batch's fetch budget (the batch's, in proportion to its events). */
export interface FetchShare {
  maxRequests: number
  maxBatchResponseBytes: number
}

export interface FetchBudget {
  /** The response bytes it may read. */
  readonly byteLimit: number
  readonly signal: AbortSignal
  abort(): void
  /** A refusal when the batch made its last allowed request; else counts this one. */
  admit(): FetchFailure | undefined
  /** Waits for a free request slot of this batch. */
  slot(): Promise<() => void>
  /** Counts response bytes; false once the batch is over its byte budget. */
  take(bytes: number): boolean
}

export interface HostFetch {
  /** Refuses a URL whose host or port is not allowed, or a header user code may not set. */
  check(req: FetchRequest): FetchFailure | undefined
  /**
   * A fresh budget for one batch, or for one piece of a batch with its share of the batch's
   * requests and response bytes.
   */
  budget(share?: FetchShare): FetchBudget
  /** Sends the request; resolves to the JSON the isolate's `deliver` expects, never rejects. */
  send(req: FetchRequest, budget: FetchBudget): Promise<string>
  close(): Promise<void>
}

/** Headers user code may not set: the host decides them, or they steer the connection itself. */
const FORBIDDEN_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'expect',
])

const denied = (message: string): FetchFailure => ({
  name: 'FetchDeniedError',
  code: 'PB_SANDBOX_FETCH_DENIED',
  message,
})

const DEFAULT_PORT: Record<string, number> = { 'http:': 80, 'https:': 443 }

/**
 * The host side of `fetch` in user code: only to the allowed hosts and ports, only http(s),
 * through undici with a timeout and a response size cap. Two gates, both required: the host
 * and port must match `fetch.allow` (names as names, addresses as parsed numbers), and the
 * address connected to must pass core's egress guard, checked at connect time. So an allowed
 * name or address that is private, loopback or link-local (169.254.169.254) is refused unless
 * the egress policy allows it: `fetch.allow` says what user code may ask for, `egress` what
 * the pipeline may reach.
 */
export function createHostFetch(
  options: NonNullable<ResolvedSandboxOptions['fetch']>,
  egress: EgressPolicy = {},
): HostFetch {
  const rules = compileFetchAllow(options.allow)
  const guard = createEgressGuard(egress, 'sandbox fetch')
  // One batch runs at a time in a worker, so maxConcurrent also bounds this worker's sockets.
  const agent = new Agent({
    connect: { lookup: guard.lookup, timeout: options.timeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connections: options.maxConcurrent,
    maxOrigins: 64,
  })

  const check = (req: FetchRequest): FetchFailure | undefined => {
    const { url } = req
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      return { name: 'TypeError', message: `fetch: "${url.slice(0, 200)}" is not an absolute URL` }
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      return denied(`fetch to ${parsed.protocol}// URLs is denied: only http and https are allowed`)
    const host = parsed.hostname.toLowerCase().replace(/^\[|\]$/g, '')
    const port = parsed.port === '' ? DEFAULT_PORT[parsed.protocol]! : Number(parsed.port)
    if (!rules.some((r) => r.matches(host, port, DEFAULT_PORT[parsed.protocol]!)))
      return denied(
        `fetch to ${host}:${port} is denied: it is not in the sandbox fetch.allow list (${options.allow.join(', ') || 'empty'}); an entry without a port allows only the default port`,
      )
    for (const name of Object.keys(req.headers)) {
      const lower = name.toLowerCase()
      if (FORBIDDEN_HEADERS.has(lower) || lower.startsWith('proxy-'))
        return { name: 'TypeError', message: `fetch: the ${lower} header cannot be set by a transform` }
    }
    if (isIP(host) !== 0) {
      try {
        guard.check(host, host)
      } catch (error) {
        return denied((error as Error).message)
      }
    }
    return undefined
  }

  const budget = (share?: FetchShare): FetchBudget => {
    const maxRequests = share?.maxRequests ?? options.maxRequests
    const maxBatchResponseBytes = share?.maxBatchResponseBytes ?? options.maxBatchResponseBytes
    const controller = new AbortController()
    let requests = 0
    let active = 0
    let bytes = 0
    const queue: Array<() => void> = []
    const release = () => {
      active--
      const next = queue.shift()
      if (next) {
        active++
        next()
      }
    }
    return {
      signal: controller.signal,
      byteLimit: maxBatchResponseBytes,
      abort() {
        queue.length = 0
        controller.abort()
      },
      admit() {
        if (requests >= maxRequests)
          return denied(
            `fetch denied: this batch already made ${maxRequests} requests, ${share ? `its share (by its events) of the ${options.maxRequests}` : 'the sandbox limit'} per batch (fetch.maxRequests)`,
          )
        requests++
        return undefined
      },
      slot() {
        if (active < options.maxConcurrent) {
          active++
          return Promise.resolve(release)
        }
        return new Promise((resolve) => queue.push(() => resolve(release)))
      },
      take(n) {
        bytes += n
        return bytes <= maxBatchResponseBytes
      },
    }
  }

  const exchange = async (req: FetchRequest, batch: FetchBudget): Promise<FetchResponse> => {
    const timeout = AbortSignal.timeout(options.timeoutMs)
    const done = await batch.slot()
    try {
      if (batch.signal.aborted) throw new Error('the batch ended before the request was sent')
      const res = await request(req.url, {
        method: req.method.toUpperCase() as 'GET',
        headers: req.headers,
        body: req.body,
        dispatcher: agent,
        signal: AbortSignal.any([batch.signal, timeout]),
      })
      const chunks: Buffer[] = []
      let size = 0
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length
        if (size > options.maxResponseBytes) {
          res.body.destroy()
          throw new Error(`the response body is over the sandbox limit of ${options.maxResponseBytes} bytes`)
        }
        if (!batch.take((chunk as Buffer).length)) {
          res.body.destroy()
          throw new Error(
            `the batch read more than ${batch.byteLimit} response bytes, its limit (fetch.maxBatchResponseBytes, shared by a batch's pieces by their events)`,
          )
        }
        chunks.push(chunk as Buffer)
      }
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
      }
      return { url: req.url, status: res.statusCode, headers, body: Buffer.concat(chunks).toString('utf8') }
    } catch (error) {
      if (timeout.aborted) throw new Error(`fetch to ${req.url} timed out after ${options.timeoutMs} ms`)
      throw error
    } finally {
      done()
    }
  }

  const send = async (req: FetchRequest, batch: FetchBudget): Promise<string> => {
    try {
      return JSON.stringify(await exchange(req, batch))
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause
      const refusal = isPatchbayError(error) ? error : isPatchbayError(cause) ? cause : undefined
      const failure: FetchFailure = refusal
        ? denied(refusal.message)
        : { name: 'FetchError', message: `fetch to ${req.url} failed: ${(error as Error).message}` }
      return JSON.stringify({ error: failure })
    }
  }

  return {
    check,
    budget,
    send,
    close: () => agent.close(),
  }
}
