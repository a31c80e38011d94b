import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { useChildGateways } from './_child.ts'
import { basic, startReceiver, waitFor } from './_gateway.ts'

const { spawnGateway, tempDir } = useChildGateways()
const mounts: string[] = []
afterEach(() => {
  for (const mount of mounts.splice(0)) {
    try {
      execFileSync('umount', ['-l', mount], { stdio: 'ignore' })
    } catch {
      // already gone
    }
  }
})

/** A real, small filesystem: a tmpfs of `size` mounted on a fresh folder (needs root, as in CI here). */
function smallFilesystem(size: string): string {
  const mount = join(tempDir(), 'disk')
  mkdirSync(mount)
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mount])
  mounts.push(mount)
  return mount
}

const batchOf = (first: number, n: number) => ({
  batch: Array.from({ length: n }, (_, i) => ({
    type: 'track',
    event: 'Filled',
    userId: `user-${(first + i) % 7}`,
    messageId: `m-${first + i}`,
    properties: { padding: 'x'.repeat(3_000) },
  })),
})

describe('a full disk', () => {
  it('refuses ingest with 503 and Retry-After, stays up, keeps delivering from its reserve, loses nothing acknowledged, and recovers once space is freed', async () => {
    await fillAndRecover({ reserve: true })
  }, 240_000)

  it('without a reserve, where the retry bookkeeping itself hits the full disk: stays up, and delivers everything once space is freed', async () => {
    await fillAndRecover({ reserve: false })
  }, 240_000)
})

async function fillAndRecover({ reserve }: { reserve: boolean }) {
  {
    const disk = smallFilesystem('24m')
    // Space to free later, as an operator would by deleting old logs.
    const filler = join(disk, 'old-logs.bin')
    writeFileSync(filler, Buffer.alloc(4 * 1024 * 1024, 1))
    let healthy = false
    const receiver = await startReceiver(() => ({ status: healthy ? 200 : 503 }))
    try {
      const gateway = await spawnGateway({
        receiverUrl: receiver.url,
        dataDir: join(disk, 'data'),
        options: {
          backpressure: { retryAfterSeconds: 2 },
          // Retries at most a second apart, however long filling the disk took on a busy
          // machine: the test waits for the first delivery after the destination recovers.
          retry: { baseDelayMs: 100, maxDelayMs: 1_000 },
          // The default 8 MB reserve: twice what SQLite's WAL grows to between checkpoints.
          limits: { batchBytes: 100 * 1024, ...(reserve ? {} : { storageReserveBytes: 0 }) },
        },
      })
      const post = (body: unknown) =>
        fetch(`${gateway.url}/v1/batch`, {
          method: 'POST',
          headers: { authorization: basic(), 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      const health = async () =>
        (await (await fetch(`${gateway.url}/health`)).json()) as {
          status: string
          storage: { full: boolean; since?: string }
        }
      const metrics = async () => (await fetch(`${gateway.url}/metrics`)).text()

      // Fill the disk while the destination fails (so every job is retried, and its
      // bookkeeping written), until the gateway says the disk is full.
      const acknowledged = new Set<string>()
      let next = 0
      let refusal: Response | undefined
      for (let round = 0; round < 2_000 && !refusal; round++) {
        const res = await post(batchOf(next, 20))
        if (res.status === 200) for (let i = 0; i < 20; i++) acknowledged.add(`m-${next + i}`)
        else if (res.status === 503) refusal = res
        else throw new Error(`unexpected ${res.status}: ${await res.text()}`)
        next += 20
      }
      expect(refusal, 'the disk never filled').toBeDefined()
      expect(refusal!.headers.get('retry-after')).toBe('2')
      expect(await refusal!.json()).toMatchObject({
        success: false,
        error: { code: 'PB_GATEWAY_STORAGE_FULL' },
      })
      expect(acknowledged.size).toBeGreaterThan(0)

      // Full: still up, /health and /metrics say so, new events get 503 (and nothing else).
      await waitFor(() => true, 'nothing')
      expect((await health()).storage.full).toBe(true)
      expect((await health()).status).toBe('degraded')
      expect(await metrics()).toContain('\npatchbay_storage_full 1\n')
      const again = await post(batchOf(next, 5))
      expect(again.status).toBe(503)
      next += 5
      // Let the retry bookkeeping hit the full disk for a while: the process must stay up.
      await new Promise((r) => setTimeout(r, 1_500))
      expect(gateway.alive()).toBe(true)
      // Still refusing: an append that went through in the reserve's space is not "room again".
      expect((await health()).storage.full).toBe(true)

      // The destination recovers while the disk is still full: with the reserve, delivery goes on.
      healthy = true
      // Generous: three files run at a time in CI, and this one waits on retries and a tmpfs.
      if (reserve)
        await waitFor(() => receiver.received.length > 0, 'a delivery while the disk is full', 90_000).catch(
          (error: Error) => {
            const last = gateway.logs.slice(-15).map((l) => `${l.level} ${l.message}`)
            throw new Error(`${error.message}; the gateway's last log records:\n${last.join('\n')}`)
          },
        )
      else await new Promise((r) => setTimeout(r, 1_500))
      expect(gateway.alive()).toBe(true)

      // Space returns: the gateway accepts again by itself.
      rmSync(filler)
      const deadline = Date.now() + 30_000
      while ((await health()).storage.full) {
        if (Date.now() > deadline) throw new Error('the gateway never noticed the freed space')
        await new Promise((r) => setTimeout(r, 100))
      }
      expect((await health()).status).toBe('ok')
      const after = await post(batchOf(next, 5))
      expect(after.status).toBe(200)
      for (let i = 0; i < 5; i++) acknowledged.add(`m-${next + i}`)

      // Nothing acknowledged is lost; the process never went down.
      const seen = new Set<string>()
      await waitFor(
        () => {
          for (const r of receiver.received) seen.add(String(r.headers['x-patchbay-message-id']))
          return [...acknowledged].every((id) => seen.has(id))
        },
        `all ${acknowledged.size} acknowledged events delivered`,
        120_000,
      )
      expect(gateway.alive()).toBe(true)
      expect(await metrics()).toContain('\npatchbay_storage_full 0\n')
      expect(await metrics()).toContain('patchbay_internal_errors_total{where="uncaught"} 0')
      expect(gateway.logs.map((l) => l.message)).toContain(
        'the disk of the data directory is full: new events are refused with 503 until space is freed; queued events are still delivered and nothing accepted is lost',
      )
    } finally {
      await receiver.close()
    }
  }
}
