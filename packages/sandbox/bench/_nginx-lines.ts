/** ~100 realistic combined nginx access lines: pages, assets, API calls, bots, checkouts, IPv6. */
const PATHS = [
  'GET /',
  'GET /products/patch-cable-2m',
  'GET /static/app.3f9c1.js',
  'GET /static/app.3f9c1.css',
  'GET /images/hero.webp',
  'POST /api/cart',
  'GET /api/cart',
  'POST /checkout?sku=42&qty=2&coupon=WINTER',
  'GET /favicon.ico',
  'GET /robots.txt',
  'GET /search?q=usb-c+hub',
  'GET /healthz',
]
const AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'Googlebot/2.1 (+http://www.google.com/bot.html)',
  'kube-probe/1.31',
  'curl/8.5.0',
]
const CLIENTS = ['203.0.113.7', '198.51.100.23', '2001:db8::5', '192.0.2.44', '10.1.2.3']

export const NGINX_LINES: string[] = Array.from({ length: 100 }, (_, i) => {
  const request = PATHS[i % PATHS.length]!
  const status = request.startsWith('POST /checkout') ? 302 : i % 17 === 0 ? 404 : i % 29 === 0 ? 500 : 200
  const size = status === 302 ? 0 : 512 + ((i * 7919) % 40_000)
  const second = String(i % 60).padStart(2, '0')
  const referrer = i % 3 === 0 ? '-' : 'https://shop.example/products'
  return `${CLIENTS[i % CLIENTS.length]} - - [22/Nov/2026:10:00:${second} +0000] "${request} HTTP/1.1" ${status} ${size} "${referrer}" "${AGENTS[i % AGENTS.length]}"`
})
