import { createRedactor, type Redactor } from '@patchbay/core'

/**
 * A redactor for a store URL's password, in every form core's redaction knows (raw,
 * percent-encoded, base64...): for messages and logs that might quote the URL or the driver.
 */
export function urlRedactor(url: string): Redactor {
  let password = ''
  try {
    password = new URL(url).password
  } catch {}
  const forms = password ? [password, safeDecode(password)] : []
  return createRedactor(forms)
}

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
    if (!parsed.password) return url
    parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'the store URL (not a URL; not shown)'
  }
}
