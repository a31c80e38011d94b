import type { DeadLetter, DeadLetterSelector, StoreStats } from '@patchbay/server'
import { type DlqBackend, DlqRefused } from './_dlq-backend.ts'
import { UsageError } from './_exit.ts'

/** How long one admin request may take before the gateway counts as unreachable. */
const TIMEOUT_MS = 30_000

/** The refusal a gateway sends: `{ success: false, error: { code, message } }`. */
interface Refusal {
  error?: { code?: unknown; message?: unknown }
}

/**
 * The gateway's base URL, checked: http(s), without credentials (the token travels in a
 * header, from PATCHBAY_ADMIN_TOKEN) and without a trailing slash.
 *
 * @example
 * gatewayUrl('http://127.0.0.1:8080/') // 'http://127.0.0.1:8080'
 */
export function gatewayUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new UsageError(`--gateway must be the gateway's URL, like http://127.0.0.1:8080, got "${text}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--gateway must be an http:// or https:// URL, got "${url.protocol}"`)
  if (url.username || url.password)
    throw new UsageError('--gateway must not hold credentials: the admin token goes in PATCHBAY_ADMIN_TOKEN')
  if (url.search || url.hash) throw new UsageError('--gateway must be the base URL, without ? or #')
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '')
}

/** Why a request got no answer, in a few words: `connect ECONNREFUSED 127.0.0.1:1`. */
function reasonOf(error: unknown): string {
  const { name, message, cause } = (error ?? {}) as { name?: string; message?: string; cause?: unknown }
  if (name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000} s`
  if (cause instanceof Error) return reasonOf(cause)
  if (cause && typeof cause === 'object' && 'message' in cause) return String(cause.message)
  return message || String(error)
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** One call to a running gateway's admin API, as `openAdminClient` makes it. */
export interface AdminClient {
  readonly base: string
  /** `the gateway at <url>`, for messages. */
  readonly where: string
  /**
   * The parsed JSON answer of a 2xx. Throws DlqRefused when the gateway cannot be reached,
   * refuses the token, has its admin API off, or answers something other than the admin API;
   * a 404 whose message starts with `missing` resolves undefined instead.
   */
  call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, missing?: string): Promise<unknown>
  /** The error for an answer that is not the admin API's. */
  notTheApi(what: string): DlqRefused
}

/**
 * A client of a running gateway's admin API (`/admin/...`, bearer `token`). Throws
 * DlqRefused, before any request, when there is no token.
 */
export function openAdminClient(url: string, token: string | undefined): AdminClient {
  const base = gatewayUrl(url)
  const where = `the gateway at ${base}`
  if (!token)
    throw new DlqRefused(
      `--gateway needs the gateway's admin token: set PATCHBAY_ADMIN_TOKEN to the admin token the gateway was started with (it is read from the environment only, never from a flag, so it stays out of shell history).`,
    )
  const notTheApi = (what: string) =>
    new DlqRefused(
      `${where} answered ${what}, not the Patchbay admin API: is ${base} the URL of a Patchbay gateway?`,
    )

  async function call(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
    missing?: string,
  ): Promise<unknown> {
    let status: number
    let text: string
    try {
      const res = await fetch(`${base}/admin/${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
        // A redirect would send the token on to wherever it points: refuse to follow.
        redirect: 'error',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
      status = res.status
      text = await res.text()
    } catch (error) {
      throw new DlqRefused(`cannot reach the gateway at ${base}: ${reasonOf(error)}`)
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw notTheApi(`${status} with a body that is not JSON`)
    }
    if (status >= 200 && status < 300) return json
    const refusal = (isObject(json) ? json : {}) as Refusal
    const message = typeof refusal.error?.message === 'string' ? refusal.error.message : undefined
    const code = typeof refusal.error?.code === 'string' ? refusal.error.code : undefined
    if (status === 401)
      throw new DlqRefused(
        `${where} refused the admin token (401): set PATCHBAY_ADMIN_TOKEN to the gateway's admin token, the one it was started with.`,
      )
    if (status === 404 && message?.includes('admin API is off'))
      throw new DlqRefused(
        `${where} has its admin API off: start the gateway with PATCHBAY_ADMIN_TOKEN set to turn it on, or stop it and use --data-dir.`,
      )
    if (status === 404 && missing !== undefined && message?.startsWith(missing)) return undefined
    if (!message) throw notTheApi(String(status))
    throw new DlqRefused(`${where} answered ${status}: ${code ? `${code}: ` : ''}${message}`)
  }
  return { base, where, call, notTheApi }
}

/**
 * The dead letters of a running gateway, through its admin API (`/admin/...`, bearer
 * `token`). Throws DlqRefused, before any request, when there is no token. Each call throws
 * DlqRefused when the gateway cannot be reached, refuses the token, has its admin API off,
 * or answers something other than the admin API.
 *
 * @example
 * const backend = openGatewayBackend('http://127.0.0.1:8080', process.env.PATCHBAY_ADMIN_TOKEN)
 * console.log(await backend.counts()) // { crm: 2 }
 */
export function openGatewayBackend(url: string, token: string | undefined): DlqBackend {
  const { where, call: admin, notTheApi } = openAdminClient(url, token)
  const call = (
    method: 'GET' | 'POST',
    path: string,
    body?: DeadLetterSelector,
    missingIsUndefined = false,
  ) => admin(method, path, body, missingIsUndefined ? 'no dead letter' : undefined)

  async function moved(path: 'replay' | 'purge', selector: DeadLetterSelector): Promise<number> {
    const body = await call('POST', `dead-letters/${path}`, selector)
    const key = path === 'replay' ? 'replayed' : 'purged'
    const n = isObject(body) ? body[key] : undefined
    if (typeof n !== 'number') throw notTheApi(`without "${key}"`)
    return n
  }

  return {
    where,
    live: true,
    async list({ destinationId, limit, afterId }) {
      const query = new URLSearchParams({ limit: String(limit), after: String(afterId) })
      if (destinationId) query.set('destination', destinationId)
      const body = await call('GET', `dead-letters?${query}`)
      if (!Array.isArray(body)) throw notTheApi('something other than a list of dead letters')
      return body as DeadLetter[]
    },
    async get(id) {
      const body = await call('GET', `dead-letters/${id}`, undefined, true)
      if (body !== undefined && !isObject(body)) throw notTheApi('something other than a dead letter')
      return body as DeadLetter | undefined
    },
    async counts() {
      const body = await call('GET', 'stats')
      if (!isObject(body) || !isObject(body.deadLetters)) throw notTheApi('stats without dead letters')
      return (body as unknown as StoreStats).deadLetters
    },
    replay: (selector) => moved('replay', selector),
    purge: (selector) => moved('purge', selector),
    close: async () => {},
  }
}
