import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** The cookie that carries a console session (HttpOnly, SameSite=Strict, Path=/console). */
export const SESSION_COOKIE = 'patchbay_console'
/** How long a session lasts after login. */
const SESSION_MS = 8 * 60 * 60 * 1000
/** Sessions kept at most; the oldest is ended first. */
const MAX_SESSIONS = 100

export function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return rest.join('=')
  }
  return undefined
}

/**
 * Console sessions: the admin token is typed into a login form once, posted, and exchanged
 * for a random session id in an HttpOnly cookie. The token is never stored by the browser,
 * never in a URL, and scripts cannot read the session id.
 */
export function createSessions(token: string) {
  const sessions = new Map<string, number>()

  return {
    /** A new session id, if `given` is the admin token. */
    login(given: string): string | undefined {
      if (!sameToken(given, token)) return undefined
      const id = randomBytes(32).toString('base64url')
      sessions.set(id, Date.now() + SESSION_MS)
      if (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value as string)
      return id
    },
    logout(req: IncomingMessage): void {
      const id = cookie(req, SESSION_COOKIE)
      if (id) sessions.delete(id)
    },
    /**
     * How the request is authenticated: `bearer` (the admin token in Authorization, for
     * scripts), `cookie` (a live console session), or undefined.
     */
    check(req: IncomingMessage): 'bearer' | 'cookie' | undefined {
      const auth = req.headers.authorization ?? ''
      if (auth.startsWith('Bearer ') && sameToken(auth.slice(7).trim(), token)) return 'bearer'
      const id = cookie(req, SESSION_COOKIE)
      const expires = id ? sessions.get(id) : undefined
      if (id && expires !== undefined) {
        if (expires > Date.now()) return 'cookie'
        sessions.delete(id)
      }
      return undefined
    },
    cookieFor(id: string, secure: boolean): string {
      return `${SESSION_COOKIE}=${id}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MS / 1000}${secure ? '; Secure' : ''}`
    },
    clearCookie(): string {
      return `${SESSION_COOKIE}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0`
    },
  }
}

export type Sessions = ReturnType<typeof createSessions>
