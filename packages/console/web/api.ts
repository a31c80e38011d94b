/**
 * Calls to the gateway's console API. The session is an HttpOnly cookie set by the login form
 * (the token itself never reaches this page's scripts nor a URL); requests that change
 * something carry `x-patchbay-console: 1`, which a cross-site form cannot send.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

function signedOut(): never {
  location.assign('/console/')
  throw new ApiError(401, 'signed out')
}

async function answer<T>(res: Response): Promise<T> {
  if (res.status === 401) signedOut()
  const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } }
  if (!res.ok) throw new ApiError(res.status, body.error?.message ?? `HTTP ${res.status}`)
  return body as T
}

export async function get<T>(path: string, params: Record<string, string | undefined> = {}): Promise<T> {
  const query = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v) query.set(k, v)
  const q = query.toString()
  return answer<T>(await fetch(`/console/api/${path}${q ? `?${q}` : ''}`, { credentials: 'same-origin' }))
}

export async function post<T>(path: string, body: unknown): Promise<T> {
  return answer<T>(
    await fetch(`/console/api/${path}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-patchbay-console': '1' },
      body: JSON.stringify(body),
    }),
  )
}

/**
 * Reads a text/event-stream with fetch (so it can be aborted and carry headers), calling
 * `on(kind, data)` for each message, until `signal` aborts or the server ends it.
 */
export async function stream(
  path: string,
  params: Record<string, string | undefined>,
  signal: AbortSignal,
  on: (kind: string, data: unknown) => void,
): Promise<void> {
  const query = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v) query.set(k, v)
  const res = await fetch(`/console/api/${path}?${query}`, {
    credentials: 'same-origin',
    headers: { accept: 'text/event-stream' },
    signal,
  })
  if (res.status === 401) signedOut()
  if (!res.ok || !res.body) throw new ApiError(res.status, `the live stream answered HTTP ${res.status}`)
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    buffer += value
    let end = buffer.indexOf('\n\n')
    while (end !== -1) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      let kind = 'message'
      let data = ''
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) kind = line.slice(7)
        else if (line.startsWith('data: ')) data += line.slice(6)
      }
      if (data) on(kind, JSON.parse(data))
      end = buffer.indexOf('\n\n')
    }
  }
}
