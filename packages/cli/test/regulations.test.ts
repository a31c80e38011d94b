import fs from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parsePipeline } from '@patchbay/core'
import { type Gateway, startGateway } from '@patchbay/server'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from './_cli.ts'

const serverDir = fileURLToPath(new URL('../../server/', import.meta.url))
const WRITE_KEY = 'wk_test_0123456789'
const TOKEN = 'admin_token_0123456789abcdef'

const open: Array<() => Promise<void>> = []
const dirs: string[] = []
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close()
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

/** A receiver on 127.0.0.1 that takes everything; deletion requests are kept apart. */
async function startReceiver() {
  const state = { events: [] as unknown[], deletions: [] as unknown[] }
  const server = createServer(async (req, res) => {
    let text = ''
    for await (const chunk of req) text += chunk
    ;(req.url === '/deletions' ? state.deletions : state.events).push(JSON.parse(text))
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  open.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return Object.assign(state, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
}

async function gateway(receiverUrl: string): Promise<Gateway> {
  const yaml = `
name: test
sources:
  - id: web
    writeKey: ${WRITE_KEY}
destinations:
  - id: hook
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${receiverUrl}/events", deletion: { url: "${receiverUrl}/deletions" } }
egress: { allow: ["127.0.0.1"] }
`
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-regulations-cli-'))
  dirs.push(dataDir)
  const started = await startGateway({
    pipeline: { ...parsePipeline(yaml, { file: path.join(serverDir, 'pipeline.yaml') }), baseDir: serverDir },
    options: { port: 0, dataDir, adminToken: TOKEN },
    logSink: () => {},
  })
  open.push(() => started.close())
  return started
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

const regulations = (args: string[], env: Record<string, string> = { PATCHBAY_ADMIN_TOKEN: TOKEN }) =>
  runCli(['regulations', ...args], {
    env: { PATCHBAY_ADMIN_TOKEN: '', PATCHBAY_GATEWAY_URL: '', PATCHBAY_DATA_DIR: '', ...env },
  })

describe('patchbay regulations (a running gateway)', () => {
  it('adds, lists, shows and removes; deletions reach the webhook and show in the audit trail', async () => {
    const receiver = await startReceiver()
    const g = await gateway(receiver.url)
    const added = await regulations(['add', '--gateway', g.url, 'userId=u1', 'email=a@b.c', '--delete'])
    expect(added.stderr).toBe('')
    expect(added.code).toBe(0)
    expect(added.stdout).toContain('Regulation 1 in force')
    expect(added.stdout).toContain('hook pending')
    await waitFor(() => receiver.deletions.length === 1, 'the deletion request')
    expect(receiver.deletions[0]).toEqual({
      type: 'delete_users',
      identifiers: [
        { type: 'userId', value: 'u1' },
        { type: 'email', value: 'a@b.c' },
      ],
    })
    await waitFor(
      async () => (await g.regulations.get(1))?.deletions[0]?.status === 'done',
      'the deletion recorded as done',
    )

    const listed = await regulations(['list'], { PATCHBAY_ADMIN_TOKEN: TOKEN, PATCHBAY_GATEWAY_URL: g.url })
    expect(listed.code).toBe(0)
    expect(listed.stdout).toMatch(
      /1\s+suppress_with_delete\s+\S+\s+in force\s+userId=u1 email=a@b\.c\s+1 done/,
    )
    const shown = await regulations(['show', '1', '--gateway', g.url])
    expect(shown.stdout).toContain('hook: done (attempts 1')
    const json = await regulations(['show', '1', '--json', '--gateway', g.url])
    expect(JSON.parse(json.stdout)).toMatchObject({
      id: 1,
      deletions: [{ destinationId: 'hook', status: 'done' }],
    })

    expect((await regulations(['remove', '1', '--gateway', g.url])).code).toBe(0)
    const again = await regulations(['remove', '1', '--gateway', g.url])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('No regulation 1 in force')
    expect((await regulations(['show', '9', '--gateway', g.url])).code).toBe(1)
  })

  it('says what is wrong: bad pairs, an identifier type the gateway does not read, no token, no gateway', async () => {
    const receiver = await startReceiver()
    const g = await gateway(receiver.url)
    const noPair = await regulations(['add', '--gateway', g.url, 'u1'])
    expect(noPair.code).toBe(2)
    expect(noPair.stderr).toContain('"u1" is not type=value')
    const phone = await regulations(['add', '--gateway', g.url, 'phone=+331'])
    expect(phone.code).toBe(2)
    expect(phone.stderr).toContain('PB_GATEWAY_REGULATION_INVALID')
    expect(phone.stderr).toContain('regulations.traits')
    const noToken = await regulations(['list', '--gateway', g.url], {})
    expect(noToken.code).toBe(2)
    expect(noToken.stderr).toContain('PATCHBAY_ADMIN_TOKEN')
    const wrong = await regulations(['list', '--gateway', g.url], {
      PATCHBAY_ADMIN_TOKEN: 'admin_token_wrong_456789abcdef',
    })
    expect(wrong.stderr).toContain('refused the admin token')
    expect(wrong.stderr).not.toContain('admin_token_wrong')
    const nowhere = await regulations(['list'])
    expect(nowhere.code).toBe(2)
    expect(nowhere.stderr).toContain('--gateway')
  })
})
