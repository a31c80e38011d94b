import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'

/** Debian's Chromium (`.ci/run` installs it): Playwright never downloads a browser here. */
export const CHROMIUM = '/usr/bin/chromium'
/** Screenshots of each view, kept as test artifacts (not committed). */
export const SCREENSHOTS = fileURLToPath(new URL('../../../../test-results/', import.meta.url))

/** The flags a closed network needs: no background connections, no sandbox as root, no GPU. */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
]

/** One headless Chromium for a test file. */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined
  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`)
    mkdirSync(SCREENSHOTS, { recursive: true })
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
  })
  return () => browser!
}

/** What the page did that it should not: console errors, uncaught errors, CSP violations, dialogs. */
export interface PageWatch {
  errors: string[]
  violations: string[]
}

/**
 * A page signed in to the console at `url` with `token` through the login form. It records
 * console errors, uncaught exceptions and every CSP violation (a listener installed before
 * any page script runs), and accepts confirmation dialogs.
 */
export async function signedIn(
  browser: Browser,
  url: string,
  token: string,
): Promise<{ page: Page; watch: PageWatch }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  const page = await context.newPage()
  const watch: PageWatch = { errors: [], violations: [] }
  page.on('console', (m) => {
    if (m.type() === 'error') watch.errors.push(m.text())
  })
  page.on('pageerror', (e) => watch.errors.push(String(e)))
  page.on('dialog', (d) => void d.accept())
  await page.exposeFunction('__pbViolation', (text: string) => watch.violations.push(text))
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => {
    window.__pbViolation(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sample)
  })`)
  const login = await page.goto(`${url}/console/`)
  if (login?.status() !== 401)
    throw new Error(`the console answered ${login?.status()} before login, not 401`)
  await page.fill('#token', token)
  await Promise.all([page.waitForURL(`${url}/console/`), page.click('button[type=submit]')])
  await page.waitForSelector('nav#tabs button')
  // The login page itself is a 401: only what happens once signed in counts.
  watch.errors.length = 0
  return { page, watch }
}
