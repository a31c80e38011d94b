// Keeps the few access-log lines that matter and drops the noise (assets, probes, bots, APIs):
// - POST /checkout → track "Order Completed" with the order from the query string;
// - a GET of an HTML page by a browser → a page view.
// Client IPs are hashed: the destination never sees them.
import { sha256 } from '@patchbay/sandbox/hash'
import { parseNginxLog } from '@patchbay/sandbox/log'

const BOTS = /bot|crawler|spider|probe|curl/i
// The sandbox has no URL class: split the path and query by hand.
function splitPath(path) {
  const at = path.indexOf('?')
  const query = {}
  if (at >= 0) {
    for (const pair of path.slice(at + 1).split('&')) {
      const [k, v = ''] = pair.split('=')
      if (k) query[decodeURIComponent(k)] = decodeURIComponent(v.replace(/\+/g, ' '))
    }
  }
  return { pathname: at >= 0 ? path.slice(0, at) : path, query }
}
const ASSET = /\.(?:js|css|png|jpe?g|webp|svg|ico|woff2?|txt|map)$/

export function transformEvent(event) {
  const parsed = parseNginxLog(event.properties.message, 'combined')
  if (!parsed.ok) {
    log('not an access line', event.properties.line)
    return null
  }
  const { method, path = '', status, timestamp, client, agent = '', referer } = parsed.value
  const url = splitPath(path)
  const visitor = `ip-${sha256(client ?? 'unknown').slice(0, 16)}`
  const common = {
    anonymousId: visitor,
    messageId: `${event.properties.file}:${event.properties.line}`,
    timestamp,
  }

  if (method === 'POST' && url.pathname === '/checkout' && status < 400) {
    const qty = Number(url.query.qty ?? 1)
    return {
      ...common,
      type: 'track',
      event: 'Order Completed',
      properties: {
        sku: url.query.sku,
        quantity: qty,
        currency: url.query.currency ?? 'EUR',
      },
    }
  }
  if (
    method === 'GET' &&
    status === 200 &&
    !ASSET.test(url.pathname) &&
    !url.pathname.startsWith('/api/') &&
    url.pathname !== '/healthz' &&
    !BOTS.test(agent)
  ) {
    return {
      ...common,
      type: 'page',
      name: url.pathname,
      properties: {
        path: url.pathname,
        url: `https://shop.example${path}`,
        ...(referer ? { referrer: referer } : {}),
      },
    }
  }
  return null // noise
}
