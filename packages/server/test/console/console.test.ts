import { join } from 'node:path'
import { Analytics as SegmentAnalytics } from '@segment/analytics-node'
import { describe, expect, it, vi } from 'vitest'
import { basic, post, startReceiver, useGateways, WRITE_KEY, waitFor, webhookPipeline } from '../_gateway.ts'
import { SCREENSHOTS, signedIn, useBrowser } from './_browser.ts'

/**
 * The web console in a real browser (Debian's Chromium through playwright-core), against a
 * real gateway, SDK and webhook receiver on 127.0.0.1.
 */
const { start, track } = useGateways()
const browser = useBrowser()
// A browser, a gateway and (for the playground) a sandbox start per test: generous on a busy machine.
vi.setConfig({ testTimeout: 120_000 })
const TOKEN = 'console_admin_token_0123456789'
const shot = (name: string) => join(SCREENSHOTS, `console-${name}.png`)

describe('the web console', () => {
  it('shows events sent with the Segment SDK in the live view, with their outcome at each destination', async () => {
    const receiver = track(await startReceiver())
    const g = await start(webhookPipeline(receiver.url), { adminToken: TOKEN })
    const { page, watch } = await signedIn(browser(), g.url, TOKEN)
    await page.waitForSelector('#live-status')

    const analytics = new SegmentAnalytics({ writeKey: WRITE_KEY, host: g.url, maxEventsInBatch: 1 })
    analytics.track({ userId: 'user-live-1', event: 'Order Completed', properties: { revenue: 42 } })
    analytics.identify({ userId: 'user-live-1', traits: { plan: 'pro' } })
    await analytics.closeAndFlush()
    await waitFor(() => receiver.received.length === 2, 'both deliveries')

    const row = page.locator('#live-rows tr', { hasText: 'Order Completed' })
    await row.locator('[data-destination=hook][data-status=delivered]').waitFor()
    await page.locator('#live-rows tr', { hasText: 'identify' }).locator('[data-status=delivered]').waitFor()
    await row.click()
    await page.locator('#live-detail').getByText('"revenue": 42').waitFor()
    expect(await page.locator('#live-detail dd').first().textContent()).toMatch(/.+/)
    await page.screenshot({ path: shot('live'), fullPage: true })

    await page.goto(`${g.url}/console/#metrics`)
    await page.locator('.chart canvas').first().waitFor()
    await page.screenshot({ path: shot('metrics'), fullPage: true })
    expect(watch.errors).toEqual([])
    expect(watch.violations).toEqual([])
  })

  it('opens an event to what each step of a two-step transformation chain did, as one diff per step', async () => {
    const receiver = track(await startReceiver())
    const transformations = [
      'transformations:',
      '  - id: plan-tier',
      '    code: ./test/fixtures/console-step-plan.js',
      '  - id: strip-email',
      '    code: ./test/fixtures/console-step-strip.js',
    ].join('\n')
    const g = await start(webhookPipeline(receiver.url, { transformations }), { adminToken: TOKEN })
    const { page, watch } = await signedIn(browser(), g.url, TOKEN)
    await page.waitForSelector('#live-status')
    await post(g, '/v1/track', {
      userId: 'u-steps',
      event: 'Upgraded',
      messageId: 'steps-1',
      properties: { plan: 'pro', email: '<b>a@example.com</b>' },
    })
    await waitFor(() => receiver.received.length === 1, 'the delivery')
    expect(receiver.received[0]!.body).toMatchObject({ properties: { plan: 'pro', tier: 'paid' } })

    const row = page.locator('#live-rows tr[data-message-id=steps-1]')
    await row.locator('[data-status=delivered]').waitFor()
    await row.click()
    const detail = page.locator('#live-detail')
    const first = detail.locator('section.step[data-step=plan-tier]')
    const second = detail.locator('section.step[data-step=strip-email]')
    await first.locator('.diff-added', { hasText: 'properties.tier' }).waitFor()
    expect(await first.locator('h5').textContent()).toBe('1. plan-tier: changed')
    expect(await first.locator('tbody tr').count()).toBe(1)
    expect(await second.locator('h5').textContent()).toBe('2. strip-email: changed')
    const removed = second.locator('.diff-removed')
    expect(await removed.count()).toBe(1)
    // The removed value is shown as text, markup and all.
    expect(await removed.textContent()).toContain('properties.email')
    expect(await removed.textContent()).toContain('"<b>a@example.com</b>"')
    expect(await detail.locator('b').count()).toBe(0)
    await page.screenshot({ path: shot('steps'), fullPage: true })
    expect(watch.errors).toEqual([])
    expect(watch.violations).toEqual([])
  })

  it('shows a 503 destination retrying, then a dead letter that a click replays once it is back', async () => {
    let healthy = false
    const receiver = track(await startReceiver(() => ({ status: healthy ? 200 : 503 })))
    const g = await start(webhookPipeline(receiver.url), {
      adminToken: TOKEN,
      retry: { forMs: 2_500, baseDelayMs: 300, maxDelayMs: 600 },
    })
    const { page, watch } = await signedIn(browser(), g.url, TOKEN)
    await page.waitForSelector('#live-status')
    await post(g, '/v1/track', { userId: 'u-503', event: 'Checkout', messageId: 'msg-503' })

    const row = page.locator('#live-rows tr[data-message-id=msg-503]')
    await row.locator('[data-status=retrying]').waitFor()
    await row.click()
    await page.locator('#live-detail').getByText('next retry').waitFor()
    await page.locator('#live-detail .error-text', { hasText: '503' }).first().waitFor()
    await page.screenshot({ path: shot('retrying'), fullPage: true })
    await row.locator('[data-status=dead_letter]').waitFor({ timeout: 30_000 })

    await page.click('nav#tabs button[data-view=dead-letters]')
    const letter = page.locator('#dead-letter-rows tr[data-message-id=msg-503]')
    await letter.waitFor()
    await letter.locator('button.inspect').click()
    await page.locator('#dead-letter-detail').getByText('"Checkout"').waitFor()
    await page.screenshot({ path: shot('dead-letters'), fullPage: true })
    healthy = true
    await letter.locator('button.replay').click()
    await page.locator('#dead-letter-note', { hasText: '1 replayed' }).waitFor()
    await waitFor(() => receiver.received.length === 1, 'the replayed delivery')
    expect(receiver.received[0]!.body).toMatchObject({ messageId: 'msg-503', event: 'Checkout' })
    expect(await g.deadLetters.count()).toBe(0)
    expect(watch.errors).toEqual([])
    expect(watch.violations).toEqual([])
  })

  it('looks up an event pushed out of the recent window in the store: still retrying, with attempts and next retry', async () => {
    const receiver = track(
      await startReceiver((req) => ({
        status: (req.body as { messageId?: string }).messageId === 'old-1' ? 503 : 200,
      })),
    )
    const g = await start(webhookPipeline(receiver.url), {
      adminToken: TOKEN,
      retry: { forMs: 600_000, baseDelayMs: 60_000, maxDelayMs: 60_000 },
    })
    await post(g, '/v1/track', { userId: 'u-old', event: 'Old', messageId: 'old-1' })
    await waitFor(() => receiver.answered.length === 1, 'the first (refused) attempt')
    // 2,100 more events: old-1 leaves the console's 2,000 recent events.
    for (let start = 0; start < 2_100; start += 700)
      await post(g, '/v1/batch', {
        batch: Array.from({ length: 700 }, (_, i) => ({
          type: 'track',
          event: 'Filler',
          userId: 'u-filler',
          messageId: `filler-${start + i}`,
        })),
      })
    await waitFor(() => receiver.received.length === 2_100, 'the filler deliveries')

    const { page, watch } = await signedIn(browser(), g.url, TOKEN)
    await page.click('nav#tabs button[data-view=lookup]')
    await page.fill('#view input[name=messageId]', 'old-1')
    await page.click('#view button[type=submit]')
    const found = page.locator('#lookup-stored details.found[data-message-id=old-1]')
    await found.waitFor()
    expect(await page.locator('#lookup-results h3').first().textContent()).toBe(
      'Recent events (0, among the last 2000 the gateway accepted)',
    )
    expect(await found.getAttribute('data-state')).toBe('retrying')
    await found.click()
    expect(await found.locator('summary').textContent()).toBe('retrying at hook old-1 · 1 attempt(s)')
    await found.getByText('next retry').waitFor()
    expect(await found.locator('.error-text').textContent()).toContain('503')
    await found.getByText('"Old"').waitFor()
    // And by user: the same job.
    await page.fill('#view input[name=messageId]', '')
    await page.fill('#view input[name=user]', 'u-old')
    await page.click('#view button[type=submit]')
    const byUser = page.locator('#lookup-stored details.found[data-state=retrying][data-message-id=old-1]')
    await byUser.waitFor()
    await byUser.click()
    await page.screenshot({ path: shot('lookup'), fullPage: true })
    expect(watch.errors).toEqual([])
    expect(watch.violations).toEqual([])
  })

  it('runs a transformation in the playground over live events: output diffs, logs, and a user error with its line', async () => {
    const receiver = track(await startReceiver())
    const g = await start(webhookPipeline(receiver.url), { adminToken: TOKEN })
    await post(g, '/v1/batch', {
      batch: [
        { type: 'track', event: 'Signed Up', userId: 'u1', messageId: 'pg-1', properties: { plan: 'pro' } },
        { type: 'track', event: 'Boom', userId: 'u2', messageId: 'pg-2' },
      ],
    })
    await waitFor(() => receiver.received.length === 2, 'deliveries')
    const { page, watch } = await signedIn(browser(), g.url, TOKEN)
    await page.click('nav#tabs button[data-view=playground]')
    await page.waitForSelector('#playground-editor[data-ready] .cm-content')
    await page.click('#playground-editor .cm-content')
    await page.keyboard.press('Control+A')
    // Pasted (CodeMirror takes the clipboard event itself), as a person would paste their code.
    const code = [
      'export function transformEvent(event) {',
      "  console.log('saw', event.event)",
      "  if (event.event === 'Boom') throw new Error('no boom allowed')",
      '  return { ...event, properties: { ...event.properties, checked: true } }',
      '}',
    ].join('\n')
    await page.evaluate(`(() => {
      const data = new DataTransfer()
      data.setData('text/plain', ${JSON.stringify(code)})
      const paste = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true })
      document.querySelector('#playground-editor .cm-content').dispatchEvent(paste)
    })()`)
    await page.fill('input[name=last]', '2')
    await page.click('#run')
    await page
      .locator('#playground-output .summary', { hasText: '1 ran, 1 failed' })
      .waitFor({ timeout: 60_000 })
    const output = page.locator('#playground-output')
    await output.locator('.diff-added', { hasText: 'properties.checked' }).waitFor()
    const error = output.locator('.playground-error')
    expect(await error.getAttribute('data-line')).toBe('3')
    expect(await error.textContent()).toContain('no boom allowed')
    expect(await error.textContent()).toContain('line 3')
    expect(await output.locator('pre.logs').textContent()).toContain('saw Signed Up')
    await page.screenshot({ path: shot('playground'), fullPage: true })
    // Nothing was deployed: the gateway's own deliveries are unchanged.
    expect(receiver.received.map((r) => (r.body as { properties?: object }).properties)).toEqual([
      { plan: 'pro' },
      undefined,
    ])
    expect(watch.errors).toEqual([])
    expect(watch.violations).toEqual([])
  })

  it('renders hostile event contents as text: no script runs, no style applies, no CSP violation', async () => {
    const receiver = track(await startReceiver())
    const g = await start(webhookPipeline(receiver.url), { adminToken: TOKEN })
    const { page, watch } = await signedIn(browser(), g.url, TOKEN)
    await page.waitForSelector('#live-status')
    const hostile = {
      script: '<script>window.__pwned = "script"</script>',
      img: '<img src=x onerror="window.__pwned = \'img\'">',
      link: 'javascript:window.__pwned="link"',
      css: '</style><style>body{display:none !important}</style><div style="background:url(javascript:alert(1))">',
      svg: '<svg onload="window.__pwned=\'svg\'"></svg>',
    }
    await post(g, '/v1/track', {
      userId: '<img src=x onerror="window.__pwned=\'user\'">',
      event: '<script>window.__pwned="name"</script>',
      messageId: 'xss-1',
      properties: hostile,
    })
    const row = page.locator('#live-rows tr[data-message-id=xss-1]')
    await row.locator('[data-status=delivered]').waitFor()
    await row.click()
    await page.locator('#live-detail').getByText('<script>window.__pwned', { exact: false }).first().waitFor()
    expect(await row.locator('.event-name').textContent()).toBe('<script>window.__pwned="name"</script>')
    await page.click('nav#tabs button[data-view=lookup]')
    await page.fill('#view input[name=messageId]', 'xss-1')
    await page.click('#view button[type=submit]')
    await page.locator('#lookup-results details.found').first().click()
    await page
      .locator('#lookup-results')
      .getByText('javascript:window.__pwned', { exact: false })
      .first()
      .waitFor()
    await page.screenshot({ path: shot('hostile'), fullPage: true })

    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined')
    expect(
      await page.locator('img, script:not([src]), svg[onload], [onerror], [style*="javascript"]').count(),
    ).toBe(0)
    expect(await page.locator('a[href^="javascript"]').count()).toBe(0)
    expect(await page.evaluate('getComputedStyle(document.body).display')).not.toBe('none')
    expect(watch.errors).toEqual([])
    expect(watch.violations).toEqual([])
  })

  it('answers 401 on every console route and stream without a session or the token, and 404 when no token is set', async () => {
    const receiver = track(await startReceiver())
    const g = await start(webhookPipeline(receiver.url), { adminToken: TOKEN })
    const index = await (
      await fetch(`${g.url}/console/`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).text()
    const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(index)?.[1]
    expect(asset).toBeDefined()
    const routes: Array<[string, string]> = [
      ['GET', '/console'],
      ['GET', '/console/'],
      ['GET', '/console/index.html'],
      ['GET', asset!],
      ['GET', '/console/api/overview'],
      ['GET', '/console/api/live'],
      ['GET', '/console/api/events/1'],
      ['GET', '/console/api/lookup?messageId=m'],
      ['GET', '/console/api/metrics'],
      ['GET', '/console/api/dead-letters'],
      ['GET', '/console/api/dead-letters/1'],
      ['POST', '/console/api/dead-letters/replay'],
      ['POST', '/console/api/dead-letters/purge'],
      ['POST', '/console/api/playground'],
      ['POST', '/console/logout'],
    ]
    for (const [method, path] of routes) {
      for (const headers of [
        {},
        { authorization: 'Bearer wrong_token_0123456789' },
        { cookie: 'patchbay_console=forged-session-id' },
        { authorization: basic() },
      ]) {
        const res = await fetch(`${g.url}${path}`, { method, headers: headers as Record<string, string> })
        const body = await res.text()
        expect([method, path, res.status]).toEqual([method, path, 401])
        expect(body).not.toContain(TOKEN)
      }
    }
    // A cookie session's writes need the console's own header (a cross-site form cannot send it).
    const login = await fetch(`${g.url}/console/login`, {
      method: 'POST',
      body: new URLSearchParams({ token: TOKEN }),
      redirect: 'manual',
    })
    expect(login.status).toBe(303)
    const cookie = login.headers.get('set-cookie')!
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict/)
    const session = cookie.split(';')[0]!
    expect((await fetch(`${g.url}/console/api/overview`, { headers: { cookie: session } })).status).toBe(200)
    const forged = await fetch(`${g.url}/console/api/dead-letters/purge`, {
      method: 'POST',
      headers: { cookie: session, 'content-type': 'application/json' },
      body: '{"destinationId":"hook"}',
    })
    expect(forged.status).toBe(401)
    const wrongLogin = await fetch(`${g.url}/console/login`, {
      method: 'POST',
      body: new URLSearchParams({ token: 'nope' }),
    })
    expect(wrongLogin.status).toBe(401)
    expect(wrongLogin.headers.get('set-cookie')).toBeNull()

    const off = await start(webhookPipeline(receiver.url))
    for (const path of ['/console/', '/console/api/overview', '/console/api/live'])
      expect(
        (await fetch(`${off.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
      ).toBe(404)
  })
})
