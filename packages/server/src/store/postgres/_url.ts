import { createRedactor, type Redactor } from '@patchbay/core'

/**
 * A redactor for a store URL's password, in every form core's redaction knows (raw,
 * percent-encoded, base64...): for messages and logs that might quote the URL or the driver.
 */
export function urlRedactor(url: string): Redactor {
  const forms: string[] = []
  try {
    const parsed = new URL(url)
    if (parsed.password) forms.push(parsed.password, safeDecode(parsed.password))
    for (const name of SECRET_PARAMS)
      for (const value of parsed.searchParams.getAll(name)) if (value) forms.push(value)
  } catch {}
  return createRedactor(forms)
}

/** Query parameters the driver reads a secret from (`?password=`, as node-postgres accepts it). */
const SECRET_PARAMS = ['password', 'sslpassword']

const safeDecode = (text: string) => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** The URL with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    const params = SECRET_PARAMS.filter((name) => parsed.searchParams.has(name))
    if (!parsed.password && params.length === 0) return url
    if (parsed.password) parsed.password = '***'
    for (const name of params) parsed.searchParams.set(name, '***')
    return parsed.toString()
  } catch {
    return 'the store URL (not a URL; not shown)'
  }
}
