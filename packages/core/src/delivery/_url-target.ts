import { isIP } from 'node:net'

/** What delivery reads of a request URL. */
export interface UrlTarget {
  /** `http:`, `https:`, or another scheme (which is never sent). */
  readonly protocol: string
  /** The URL as the WHATWG parser writes it (`new URL(text).href`). */
  readonly href: string
  /** Scheme, host and port, as undici keys its connection pools. */
  readonly origin: string
  /** Path and query as undici sends them: `pathname` + `search`, no fragment. */
  readonly path: string
  /**
   * The host when it is an IP address (without brackets, as the parser normalised it:
   * `2130706433` is `127.0.0.1`). Connecting skips `lookup` for an address, so the egress
   * policy checks it before the request; a name is checked at connect time, against what it
   * resolves to then.
   */
  readonly literal: string | undefined
}

/** Distinct URLs kept; past it the cache starts again (URL templates make one URL per user). */
const MAX_ENTRIES = 512
/** Longer URLs are parsed every time: keeping them would cost more memory than parsing saves. */
const MAX_CHARS = 2048
const cache = new Map<string, UrlTarget>()

/**
 * Parses a request URL, once per distinct text: a destination sends most of its requests to
 * the same few URLs, and each request read its URL four times (the engine's check, the wire
 * request, the egress check and undici). The result depends on the text alone (no DNS, no
 * clock), so a cached answer is the answer. Throws as `new URL(text)` does; failures are not
 * kept.
 */
export function urlTarget(text: string): UrlTarget {
  const kept = cache.get(text)
  if (kept) return kept
  const url = new URL(text)
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  const target: UrlTarget = Object.freeze({
    protocol: url.protocol,
    href: url.href,
    origin: url.origin,
    path: url.search ? `${url.pathname}${url.search}` : url.pathname,
    literal: isIP(host) === 0 ? undefined : host,
  })
  if (text.length <= MAX_CHARS) {
    if (cache.size >= MAX_ENTRIES) cache.clear()
    cache.set(text, target)
  }
  return target
}
