import { createHash } from 'node:crypto'

const STYLE = `body{font:15px system-ui,sans-serif;background:#f4f5f7;color:#1d2433;display:flex;min-height:100vh;align-items:center;justify-content:center;margin:0}
form{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;width:22rem}
h1{font-size:1.2rem;margin:0 0 1rem}label{display:block;margin-bottom:.4rem}
input{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;margin-bottom:1rem}
button{padding:.5rem 1rem;font:inherit;background:#2d5be3;color:#fff;border:0;border-radius:4px}
p.error{color:#b00020}`

/** The login page's Content-Security-Policy: no script at all, its one style allowed by hash. */
export const LOGIN_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`

/** The login form (no script): it posts the admin token to /console/login. */
export function loginPage(failed: boolean): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Patchbay console: sign in</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head>
<body><form method="post" action="/console/login"><h1>Patchbay console</h1>
${failed ? '<p class="error">That is not the admin token.</p>' : ''}
<label for="token">Admin token (PATCHBAY_ADMIN_TOKEN)</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button></form></body></html>`
}
