import type { WebhookAuth } from './config.ts'

/** The headers (names lower-cased) and query parameters that carry the credentials. */
export interface AuthParts {
  headers: Record<string, string>
  query: Record<string, string>
}

const NONE: AuthParts = Object.freeze({ headers: Object.freeze({}), query: Object.freeze({}) }) as AuthParts
const cache = new WeakMap<WebhookAuth, AuthParts>()

/** What `auth` adds to every request. Computed once per config object. */
export function authParts(auth: WebhookAuth): AuthParts {
  if (auth.type === 'none') return NONE
  let parts = cache.get(auth)
  if (parts) return parts
  switch (auth.type) {
    case 'basic':
      parts = {
        headers: {
          authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
        },
        query: {},
      }
      break
    case 'bearer':
      parts = { headers: { authorization: `Bearer ${auth.token}` }, query: {} }
      break
    case 'apiKey':
      parts =
        auth.in === 'header'
          ? { headers: { [auth.name.toLowerCase()]: auth.value }, query: {} }
          : { headers: {}, query: { [auth.name]: auth.value } }
      break
  }
  cache.set(auth, parts)
  return parts
}
