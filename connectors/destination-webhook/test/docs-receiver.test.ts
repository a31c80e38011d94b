import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPipeline, PluginRegistry, parsePipeline } from '@patchbay/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWebhookDestination } from '../src/index.ts'
import { ctx, fixture } from './_helpers.ts'

/**
 * The dependency-free receiver in docs/destinations/webhook.md, run as a real process:
 * what the destination sends verifies there, and a replay to another path, with another
 * message id or another query does not.
 */
const SECRET = 'whsec_docs_receiver_0123456789'
const page = readFileSync(new URL('../../../docs/destinations/webhook.md', import.meta.url), 'utf8')
const receiverSource = /```js\n(\/\/ receiver\.mjs[\s\S]*?)```/.exec(page)?.[1]

let child: ChildProcess
let base: string

beforeAll(async () => {
  if (!receiverSource)
    throw new Error('docs/destinations/webhook.md has no ```js block starting "// receiver.mjs"')
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-receiver-'))
  writeFileSync(join(dir, 'receiver.mjs'), receiverSource)
  child = spawn(process.execPath, [join(dir, 'receiver.mjs')], {
    env: { ...process.env, WEBHOOK_SECRET: SECRET, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  base = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk) => {
      out += chunk
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match) resolve(match[1]!)
    })
    child.on('exit', (code) => reject(new Error(`receiver.mjs exited with ${code}: ${out}`)))
  })
}, 30_000)
afterAll(() => {
  child?.kill('SIGTERM')
})

/** A pipeline delivering to the receiver with the real clock, as a user would run it. */
async function deliver(method: string, events: unknown[]) {
  const loaded = parsePipeline(
    `
egress: { allow: ["127.0.0.1"] }
destinations:
  - id: hook
    use: "@patchbay/destination-webhook@*"
    config:
      url: "${base}/users/{{userId}}/events?src=docs"
      method: ${method}
      signing: { secret: "${SECRET}" }
`,
    { file: 'pipeline.yaml', env: {} },
  )
  const registry = new PluginRegistry().add(createWebhookDestination())
  const pipeline = await createPipeline(loaded, { registry })
  try {
    return await pipeline.process(events)
  } finally {
    await pipeline.close()
  }
}

describe('the documented receiver (docs/destinations/webhook.md, receiver.mjs)', () => {
  it('verifies what the destination sends, for POST, PUT, GET and DELETE', async () => {
    for (const method of ['POST', 'PUT', 'GET', 'DELETE']) {
      const outcomes = await deliver(method, [fixture('track'), fixture('identify')])
      expect(
        outcomes.map((o) => `${method} ${o.status}${o.error ? ` ${o.error.message}` : ''}`),
        method,
      ).toEqual([`${method} delivered`, `${method} delivered`])
    }
  })

  it('refuses the same signed request replayed to another path, with another query or message id', async () => {
    const request = await createWebhookDestination().transform(
      fixture('track') as never,
      ctx({ url: `${base}/users/u-1/events?src=docs`, signing: { secret: SECRET } }),
    )
    if (!request || Array.isArray(request)) throw new Error('expected one request')
    const send = (url: string, headers: Record<string, string> = {}) =>
      fetch(url, {
        method: 'POST',
        headers: { ...request.headers, ...headers },
        body: request.body as string,
      }).then((r) => r.status)
    expect(await send(request.url)).toBe(204)
    expect(await send(`${base}/users/u-1/delete?src=docs`)).toBe(401)
    expect(await send(`${base}/users/u-1/events?src=other`)).toBe(401)
    expect(await send(request.url, { 'x-patchbay-message-id': 'msg-other' })).toBe(401)
    expect(await send(request.url, { 'patchbay-signature': '' })).toBe(401)
  })
})
