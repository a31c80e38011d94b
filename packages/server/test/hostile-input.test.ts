import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ChildGateway, httpRequest, rawRequest, useChildGateways } from './_child.ts'
import { basic, startReceiver } from './_gateway.ts'

const STRIPE = basic('wk_stripe_0123456789')
const ADMIN_TOKEN = 'admin-token-0123456789'
const { spawnGateway, tempDir } = useChildGateways({ per: 'file' })

let gateway: ChildGateway
let receiver: Awaited<ReturnType<typeof startReceiver>>
beforeAll(async () => {
  receiver = await startReceiver()
  gateway = await spawnGateway({ receiverUrl: receiver.url, options: { adminToken: ADMIN_TOKEN } })
}, 60_000)
afterAll(() => receiver.close())

/** POSTs raw bytes with fetch (which sends them as given) and parses the JSON answer. */
async function postRaw(path: string, body: string | Uint8Array, headers: Record<string, string> = {}) {
  const res = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { authorization: basic(), 'content-type': 'application/json', ...headers },
    body,
  })
  const text = await res.text()
  return { status: res.status, bytes: Buffer.byteLength(text), body: JSON.parse(text) }
}

const metric = async (line: string) => {
  const text = await (await fetch(`${gateway.url}/metrics`)).text()
  const found = text.split('\n').find((l) => l.startsWith(`${line} `))
  return found === undefined ? undefined : Number(found.slice(line.length + 1))
}

/** The process is up and /health answers. */
async function stillServing() {
  expect(gateway.alive()).toBe(true)
  const health = await fetch(`${gateway.url}/health`)
  expect(health.status).toBe(200)
}

describe('a real gateway process, sent what a broken client or an attacker sends', () => {
  it('answers a path a URL parser reads as a host (//a:b:c/) with 404, and stays up', async () => {
    const answer = await rawRequest(gateway.port, httpRequest('GET', '//a:b:c/', {}))
    expect(answer.status).toBe(404)
    expect(JSON.parse(answer.body).error.code).toBe('PB_GATEWAY_NOT_FOUND')
    // `//v1/batch` must not be read as host "v1", path "/batch".
    const sneaky = await rawRequest(
      gateway.port,
      httpRequest(
        'POST',
        '//v1/batch',
        { authorization: basic(), 'content-type': 'application/json' },
        '{"batch":[]}',
      ),
    )
    expect(sneaky.status).toBe(404)
    // A target that is no path at all.
    expect((await rawRequest(gateway.port, httpRequest('OPTIONS', '*', {}))).status).toBe(400)
    await stillServing()
  })

  it('refuses a batch of 100,000 {} events at the per-batch cap, and 9,000 with a bounded list and a count', async () => {
    const huge = await postRaw(
      '/v1/batch',
      JSON.stringify({ batch: Array.from({ length: 100_000 }, () => ({})) }),
    )
    expect(huge.status).toBe(400)
    expect(huge.body.error.code).toBe('PB_GATEWAY_BODY_TOO_LARGE')
    expect(huge.body.error.message).toBe(
      'the batch has 100000 events; the limit is 10000: send fewer events per batch',
    )
    const many = await postRaw(
      '/v1/batch',
      JSON.stringify({ batch: Array.from({ length: 9_000 }, () => ({})) }),
    )
    expect(many.status).toBe(400)
    expect(many.body.error).toMatchObject({ code: 'PB_EVENT_INVALID', rejectedCount: 9_000, omitted: 8_980 })
    expect(many.body.error.rejected.map((r: { index: number }) => r.index)).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    )
    expect(many.body.error.message).toMatch(
      /^9000 of 9000 events are invalid, so none was accepted; event 0: /,
    )
    expect(many.bytes).toBeLessThan(64 * 1024)
    // Long client text (a 30 KB messageId) is clipped in the answer.
    const long = await postRaw(
      '/v1/batch',
      JSON.stringify({
        batch: Array.from({ length: 15 }, () => ({ type: 'track', messageId: 'm'.repeat(30_000) })),
      }),
    )
    expect(long.status).toBe(400)
    expect(long.bytes).toBeLessThan(64 * 1024)
    expect(long.body.error.rejected[0].messageId).toMatch(/^m{200}… \(29800 more characters\)$/)
    expect(await metric('patchbay_events_rejected_total{source="web",reason="invalid"}')).toBe(9_015)
    await stillServing()
  })

  it('refuses nesting 4,400 levels deep with a 400 before parsing: not a 500, not a storage error', async () => {
    const deep = `{"batch":[{"type":"track","event":"x","userId":"u","properties":${'{"a":'.repeat(4_400)}1${'}'.repeat(4_400)}}]}`
    const res = await postRaw('/v1/batch', deep)
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ code: 'PB_GATEWAY_BODY_INVALID', problem: 'depth', limit: 64 })
    expect(res.body.error.message).toMatch(/^the body nests arrays and objects more than 64 levels deep/)
    const single = await postRaw(
      '/v1/track',
      `{"event":"x","userId":"u","properties":${'['.repeat(100)}${']'.repeat(100)}}`,
    )
    expect(single.status).toBe(400)
    expect(await metric('patchbay_internal_errors_total{where="request"}')).toBe(0)
    expect(await metric('patchbay_ingest_requests_total{endpoint="/v1/batch",status="500"}')).toBeUndefined()
    expect(gateway.logs.filter((l) => l.level === 'error')).toEqual([])
    await stillServing()
  })

  it('answers bad percent-encoding in a webhook path 401 without a key and 404 with one, revealing nothing', async () => {
    const anonymous = await postRaw('/v1/webhook/%ZZ', '{}', { authorization: '' })
    expect(anonymous.status).toBe(401)
    expect(anonymous.body.error.message).not.toContain('stripe')
    const keyed = await postRaw('/v1/webhook/%ZZ', '{}', { authorization: STRIPE })
    expect(keyed.status).toBe(404)
    expect(keyed.body.error.message).toBe('the pipeline has no source "%ZZ"')
    expect((await postRaw('/v1/webhook/%E0%A4%A', '{}', { authorization: STRIPE })).status).toBe(404)
    await stillServing()
  })

  it('refuses invalid UTF-8 with a 400 naming the byte offset, instead of storing U+FFFD', async () => {
    const body = Buffer.concat([
      Buffer.from('{"event":"x","userId":"u","properties":{"name":"caf'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}}'),
    ])
    const res = await postRaw('/v1/track', body)
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ code: 'PB_GATEWAY_BODY_INVALID', problem: 'utf8', offset: 51 })
    expect(res.body.error.message).toBe(
      'the body is not valid UTF-8: byte 51 (0xc3) does not start or continue a character; send UTF-8 text',
    )
    // The same bytes, gzipped: checked after decompression.
    const { gzipSync } = await import('node:zlib')
    const zipped = await postRaw('/v1/track', gzipSync(body), { 'content-encoding': 'gzip' })
    expect(zipped.body.error).toMatchObject({ problem: 'utf8', offset: 51 })
    expect((await postRaw('/v1/track', '{"event":"café ✓","userId":"u"}')).status).toBe(200)
  })

  it('refuses __proto__ and constructor.prototype keys in the HTTP API, webhooks and the admin API', async () => {
    const batch = await postRaw(
      '/v1/batch',
      '{"batch":[{"type":"track","event":"a","userId":"u"},{"type":"track","event":"b","userId":"u","properties":{"__proto__":{"isAdmin":true}}}]}',
    )
    expect(batch.status).toBe(400)
    expect(batch.body.error).toMatchObject({
      problem: 'forbidden-key',
      pointer: '/batch/1/properties/__proto__',
    })
    const ctor = await postRaw(
      '/v1/track',
      '{"event":"a","userId":"u","context":{"constructor":{"prototype":{"x":1}}}}',
    )
    expect(ctor.body.error).toMatchObject({
      problem: 'forbidden-key',
      pointer: '/context/constructor/prototype',
    })
    const webhook = await postRaw('/v1/webhook/stripe', '{"type":"x","data":{"\\u005f_proto__":{}}}', {
      authorization: STRIPE,
    })
    expect(webhook.status).toBe(400)
    expect(webhook.body.error).toMatchObject({ problem: 'forbidden-key', pointer: '/data/__proto__' })
    const admin = await postRaw(
      '/admin/dead-letters/purge',
      '{"ids":[1],"__proto__":{"destinationId":"hook"}}',
      {
        authorization: `Bearer ${ADMIN_TOKEN}`,
      },
    )
    expect(admin.status).toBe(400)
    expect(admin.body.error.pointer).toBe('/__proto__')
    expect(await metric('patchbay_events_accepted_total{source="stripe"}')).toBeUndefined()
    // Only the valid UTF-8 event of the test before arrives, unaltered.
    await new Promise((r) => setTimeout(r, 300))
    expect(receiver.received.map((r) => (r.body as { event: string }).event)).toEqual(['café ✓'])
  })

  it('counts a client that disconnects mid-upload as aborted: not a 500, not a storage failure', async () => {
    const before = gateway.logs.length
    const head = httpRequest('POST', '/v1/batch', {
      authorization: basic(),
      'content-type': 'application/json',
      'content-length': '100000',
    })
    await rawRequest(gateway.port, Buffer.concat([head, Buffer.from('{"batch":[{"type":"tr')]), {
      closeAfterWrite: true,
      ms: 2_000,
    })
    let aborted: number | undefined
    for (let i = 0; i < 200 && aborted === undefined; i++) {
      aborted = await metric('patchbay_ingest_requests_total{endpoint="/v1/batch",status="aborted"}')
      if (aborted === undefined) await new Promise((r) => setTimeout(r, 25))
    }
    expect(aborted).toBe(1)
    expect(await metric('patchbay_ingest_requests_total{endpoint="/v1/batch",status="500"}')).toBeUndefined()
    expect(gateway.logs.slice(before).filter((l) => l.level === 'error')).toEqual([])
    await stillServing()
  })

  it('never wrote an error log line or a 500 through all of the above', async () => {
    expect(gateway.logs.filter((l) => l.level === 'error')).toEqual([])
    expect(await metric('patchbay_internal_errors_total{where="uncaught"}')).toBe(0)
    await stillServing()
  })
})

describe('a data directory that cannot be written', () => {
  it('says read-only filesystem (EROFS) and what to do, not ENOENT mkdir', async () => {
    const mount = join(tempDir(), 'ro')
    mkdirSync(mount)
    let mounted = false
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,ro', 'tmpfs', mount], { stdio: 'ignore' })
      mounted = true
    } catch {
      // Not root: a directory without write permission is the nearest real case.
      execFileSync('chmod', ['0555', mount])
    }
    try {
      const start = spawnGateway({ receiverUrl: receiver.url, dataDir: join(mount, 'data') })
      if (mounted)
        await expect(start).rejects.toThrow(
          `Cannot use ${join(mount, 'data')} as the Patchbay data directory: ${mount} is on a read-only filesystem (EROFS). Mount it read-write, or point --data-dir (PATCHBAY_DATA_DIR) at a writable directory.`,
        )
      else await expect(start).rejects.toThrow(/may not write to .* \(EACCES\)/)
    } finally {
      if (mounted) execFileSync('umount', [mount])
      else execFileSync('chmod', ['0755', mount])
      rmSync(mount, { recursive: true, force: true })
    }
  })
})
