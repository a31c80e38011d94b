import fs from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parsePipeline } from '@patchbay/core'
import { canonicalIdOf } from '@patchbay/identity'
import { type Gateway, startGateway } from '@patchbay/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../identity/test/_postgres.ts'
import { identityStats, lookupIdentity } from '../src/commands/identity.ts'
import { runCli } from './_cli.ts'

const serverDir = fileURLToPath(new URL('../../server/', import.meta.url))
const WRITE_KEY = 'wk_test_0123456789'
const TOKEN = 'admin_token_0123456789abcdef'

const open: Array<() => Promise<void>> = []
const dirs: string[] = []
let received = 0
let receiverUrl = ''
let stitching: { gateway: Gateway; dataDir: string }
let plain: { gateway: Gateway; dataDir: string }

async function gateway(identity: boolean) {
  const yaml = `
name: test
sources:
  - id: web
    writeKey: ${WRITE_KEY}
destinations:
  - id: hook
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${receiverUrl}/events" }
egress: { allow: ["127.0.0.1"] }
${identity ? 'identity: {}' : ''}
`
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-identity-cli-'))
  dirs.push(dataDir)
  const started = await startGateway({
    pipeline: { ...parsePipeline(yaml, { file: path.join(serverDir, 'pipeline.yaml') }), baseDir: serverDir },
    options: { port: 0, dataDir, adminToken: TOKEN },
    logSink: () => {},
  })
  open.push(() => started.close())
  return { gateway: started, dataDir }
}

beforeAll(async () => {
  const server = createServer(async (req, res) => {
    for await (const _ of req);
    received++
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  open.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  stitching = await gateway(true)
  plain = await gateway(false)
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 9, minute)).toISOString()
  const batch = [
    { type: 'track', event: 'Viewed', anonymousId: 'anon-laptop', messageId: 'm1', timestamp: at(1) },
    { type: 'track', event: 'Viewed', anonymousId: 'anon-phone', messageId: 'm2', timestamp: at(2) },
    { type: 'identify', anonymousId: 'anon-phone', userId: 'u1', messageId: 'm3', timestamp: at(3) },
    { type: 'identify', anonymousId: 'anon-laptop', userId: 'u1', messageId: 'm4', timestamp: at(4) },
  ]
  const res = await fetch(`${stitching.gateway.url}/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`,
    },
    body: JSON.stringify({ batch }),
  })
  expect(res.status).toBe(200)
  // Delivered means stitched: the processor stitches before it hands events to destinations.
  const deadline = Date.now() + 30_000
  while (received < batch.length) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the deliveries')
    await new Promise((r) => setTimeout(r, 10))
  }
}, 60_000)
afterAll(async () => {
  for (const close of open.splice(0).reverse()) await close()
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

const identity = (args: string[], env: Record<string, string> = { PATCHBAY_ADMIN_TOKEN: TOKEN }) =>
  runCli(['identity', ...args], {
    env: {
      PATCHBAY_ADMIN_TOKEN: '',
      PATCHBAY_GATEWAY_URL: '',
      PATCHBAY_STORE_URL: '',
      PATCHBAY_DATA_DIR: '',
      ...env,
    },
  })

describe('patchbay identity lookup and stats against a running gateway', () => {
  it('answer what the data directory answers, as JSON and as text', async () => {
    const url = stitching.gateway.url
    const [viaGateway, viaDir] = await Promise.all([
      identity(['lookup', 'userId:u1', '--json', '--gateway', url]),
      identity(['lookup', 'userId:u1', '--json', '--data-dir', stitching.dataDir]),
    ])
    expect(viaGateway).toMatchObject({ code: 0, stderr: '' })
    const person = JSON.parse(viaGateway.stdout)
    expect(person).toEqual(JSON.parse(viaDir.stdout))
    expect(person.identifiers).toEqual({ anonymousId: ['anon-laptop', 'anon-phone'], userId: ['u1'] })
    expect(person.merges).toHaveLength(1)

    // PATCHBAY_GATEWAY_URL names the gateway when no flag does.
    const [stats, statsDir, text] = await Promise.all([
      identity(['stats', '--json'], { PATCHBAY_ADMIN_TOKEN: TOKEN, PATCHBAY_GATEWAY_URL: url }),
      identity(['stats', '--json', '--data-dir', stitching.dataDir]),
      identity(['lookup', 'anon-phone', '--gateway', url]),
    ])
    expect(stats.code).toBe(0)
    expect(JSON.parse(stats.stdout)).toEqual(JSON.parse(statsDir.stdout))
    expect(JSON.parse(stats.stdout)).toMatchObject({ people: 1, identifiers: 3, merges: 1 })
    expect(text.code).toBe(0)
    expect(text.stdout).toContain(`${person.canonicalId}  3 identifier(s)`)
    expect(text.stdout).toContain('anonymousId: anon-laptop, anon-phone')
  })

  it('says what is wrong: an unknown id, no token, no identity: block, two places at once', async () => {
    const url = stitching.gateway.url
    const captured = () => {
      const lines = { out: [] as string[], err: [] as string[] }
      return Object.assign(lines, {
        output: { out: (t: string) => lines.out.push(t), err: (t: string) => lines.err.push(t), tty: false },
      })
    }
    const unknown = captured()
    expect(await lookupIdentity({ id: 'userId:nobody', gateway: url, token: TOKEN }, unknown.output)).toBe(1)
    expect(unknown.err.join('\n')).toContain(
      `No identifier or canonical id "userId:nobody" in the identity graph of the gateway at ${url}`,
    )
    const off = captured()
    expect(await identityStats({ gateway: plain.gateway.url, token: TOKEN }, off.output)).toBe(2)
    expect(off.err.join('\n')).toContain('answered 409: PB_GATEWAY_IDENTITY_OFF: identity stitching is off')
    await expect(
      identityStats({ gateway: url, dataDir: stitching.dataDir, token: TOKEN }, captured().output),
    ).rejects.toThrow('--gateway and --data-dir name different places')
    await expect(
      identityStats({ gateway: url, pipeline: 'pipeline.yaml', token: TOKEN }, captured().output),
    ).rejects.toThrow('a gateway stitches with the identity: block of its own pipeline')
    // Through the real CLI: no token is a usage error that says where the token comes from.
    const noToken = await identity(['stats', '--gateway', url], {})
    expect(noToken.code).toBe(2)
    expect(noToken.stderr).toContain('PATCHBAY_ADMIN_TOKEN')
  })
})

describe('patchbay identity with --store (the graph of gateways on PostgreSQL)', () => {
  it('rebuilds a history into the database, then looks it up there, as a gateway on that store would see it', async () => {
    const database = await createTestDatabase('cli')
    try {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-identity-cli-'))
      dirs.push(dir)
      const history = path.join(dir, 'history.jsonl')
      const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 9, minute)).toISOString()
      fs.writeFileSync(
        history,
        [
          { type: 'identify', anonymousId: 'a2', userId: 'u9', messageId: 'h2', timestamp: at(2) },
          { type: 'track', event: 'E', anonymousId: 'a1', messageId: 'h1', timestamp: at(1) },
          { type: 'alias', previousId: 'a1', userId: 'u9', messageId: 'h3', timestamp: at(3) },
        ]
          .map((e) => JSON.stringify(e))
          .join('\n'),
      )
      const rebuilt = await identity(['rebuild', history, '--store', database.url])
      expect(rebuilt).toMatchObject({ code: 0, stderr: '' })
      expect(rebuilt.stdout).toContain('3 events stitched: 1 people, 3 identifiers')
      const [person, stats] = await Promise.all([
        identity(['lookup', 'u9', '--json', '--store', database.url]),
        identity(['stats', '--json'], { PATCHBAY_STORE_URL: database.url }),
      ])
      expect(person.code).toBe(0)
      expect(JSON.parse(person.stdout)).toMatchObject({
        canonicalId: canonicalIdOf('anonymousId', 'a1'),
        identifiers: { anonymousId: ['a1', 'a2'], userId: ['u9'] },
      })
      expect(JSON.parse(stats.stdout)).toMatchObject({ people: 1, identifiers: 3 })
      await expect(
        identityStats({ store: database.url, dataDir: dir }, { out() {}, err() {}, tty: false }),
      ).rejects.toThrow('--data-dir and --store name different places')
    } finally {
      await database.drop()
    }
  })
})
