import { isIP } from 'node:net'
import { createEgressGuard, type EgressPolicy, isPatchbayError } from '@patchbay/core'
import { Agent, request } from 'undici'
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

export interface HostFetch {
  /** Refuses a URL whose host is not allowed; undefined when the request may go ahead. */
  check(url: string): FetchFailure | undefined
  /** Sends the request; resolves to the JSON the isolate's `deliver` expects, never rejects. */
  send(req: FetchRequest, signal: AbortSignal): Promise<string>
  close(): Promise<void>
}

const denied = (message: string): FetchFailure => ({
  name: 'FetchDeniedError',
  code: 'PB_SANDBOX_FETCH_DENIED',
  message,
})

function hostMatches(host: string, pattern: string): boolean {
  const p = pattern.toLowerCase().replace(/^\[|\]$/g, '')
  if (p.startsWith('*.')) return host.endsWith(p.slice(1)) && host.length > p.length - 1
  return host === p
}

/**
 * The host side of `fetch` in user code: only to the allowed hosts, only http(s), through
 * undici with a timeout and a response size cap. Addresses are checked by core's egress
 * guard at DNS-resolve time, so an allowed name that resolves to a private or metadata
 * address (169.254.169.254) is still refused unless the egress policy allows it. IP addresses
 * written in `fetch.allow` count as explicitly allowed by the egress policy too.
 */
export function createHostFetch(
  options: NonNullable<ResolvedSandboxOptions['fetch']>,
  egress: EgressPolicy = {},
): HostFetch {
  const ips = options.allow.filter((entry) => isIP(entry.replace(/^\[|\]$/g, '')) !== 0)
  const guard = createEgressGuard({ ...egress, allow: [...(egress.allow ?? []), ...ips] }, 'sandbox fetch')
  const agent = new Agent({
    connect: { lookup: guard.lookup, timeout: options.timeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  })

  const check = (url: string): FetchFailure | undefined => {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      return { name: 'TypeError', message: `fetch: "${url.slice(0, 200)}" is not an absolute URL` }
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      return denied(`fetch to ${parsed.protocol}// URLs is denied: only http and https are allowed`)
    const host = parsed.hostname.toLowerCase().replace(/^\[|\]$/g, '')
    if (!options.allow.some((pattern) => hostMatches(host, pattern)))
      return denied(
        `fetch to ${host} is denied: it is not in the sandbox fetch.allow list (${options.allow.join(', ') || 'empty'})`,
      )
    if (isIP(host) !== 0) {
      try {
        guard.check(host, host)
      } catch (error) {
        return denied((error as Error).message)
      }
    }
    return undefined
  }

  const exchange = async (req: FetchRequest, signal: AbortSignal): Promise<FetchResponse> => {
    const timeout = AbortSignal.timeout(options.timeoutMs)
    try {
      const res = await request(req.url, {
        method: req.method.toUpperCase() as 'GET',
        headers: req.headers,
        body: req.body,
        dispatcher: agent,
        signal: AbortSignal.any([signal, timeout]),
      })
      const chunks: Buffer[] = []
      let size = 0
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length
        if (size > options.maxResponseBytes) {
          res.body.destroy()
          throw new Error(`the response body is over the sandbox limit of ${options.maxResponseBytes} bytes`)
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
    }
  }

  const send = async (req: FetchRequest, signal: AbortSignal): Promise<string> => {
    try {
      return JSON.stringify(await exchange(req, signal))
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
    send,
    close: () => agent.close(),
  }
}
