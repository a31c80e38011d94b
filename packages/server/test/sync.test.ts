import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Analytics } from '@segment/analytics-node'
import { afterEach, describe, expect, it } from 'vitest'
import { startReceiver, WRITE_KEY, waitFor } from './_gateway.ts'

const script = fileURLToPath(new URL('./_sync-gateway.ts', import.meta.url))
const children = new Set<ChildProcess>()
const dirs: string[] = []
afterEach(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGKILL')
      await exited
    }
  children.clear()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function startRun(dataDir: string, receiverUrl: string, tapConfig: object) {
  const child = spawn(
    process.execPath,
    [
      '--no-node-snapshot',
      '--conditions=@patchbay/source',
      script,
      dataDir,
      receiverUrl,
      JSON.stringify(tapConfig),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  children.add(child)
  let stderr = ''
  child.stderr!.on('data', (c) => (stderr += c))
  const logs: string[] = []
  return new Promise<{ child: ChildProcess; url: string; logs: string[] }>((resolve, reject) => {
    let buffered = ''
    child.stdout!.on('data', (chunk) => {
      buffered += chunk
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        if (line.startsWith('log ')) logs.push(JSON.parse(line.slice(4)).message)
        else if (line.startsWith('ready ')) resolve({ child, url: line.slice(6), logs })
      }
    })
    child.once('exit', (code, signal) =>
      reject(new Error(`the gateway exited (${signal ?? code}): ${stderr}`)),
    )
  })
}

const bookmark = (dataDir: string): number => {
  const file = join(dataDir, 'sync', 'crm.state.json')
  if (!existsSync(file)) return 0
  return JSON.parse(readFileSync(file, 'utf8')).state.bookmarks.people.id
}

describe('a scheduled Singer sync in the gateway', () => {
  it('with SDK traffic flowing, then SIGKILL: the saved state never runs ahead of the stored events, and after a restart every record and every acknowledged SDK event is delivered', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pb-sync-gateway-'))
    dirs.push(dataDir)
    const receiver = await startReceiver()
    const COUNT = 1500
    const tapConfig = { count: COUNT, state_every: 10, sleep_ms: 15 }
    const first = await startRun(dataDir, receiver.url, tapConfig)

    // SDK traffic while the sync runs; every event is acknowledged before the kill.
    const analytics = new Analytics({ writeKey: WRITE_KEY, host: first.url, flushAt: 20, flushInterval: 20 })
    for (let i = 0; i < 200; i++)
      analytics.track({ userId: `sdk-${i}`, event: 'Clicked', messageId: `sdk-${i}` })
    await analytics.closeAndFlush({ timeout: 60_000 })
    await waitFor(() => bookmark(dataDir) >= 300, 'the sync to checkpoint past record 300', 120_000)
    first.child.kill('SIGKILL')
    await new Promise((r) => first.child.once('exit', r))
    const killedAt = bookmark(dataDir)
    expect(killedAt).toBeLessThan(COUNT) // killed mid-sync

    await startRun(dataDir, receiver.url, tapConfig)
    const ids = () => new Set(receiver.received.map((r) => (r.body as { messageId: string }).messageId))
    const count = (prefix: string) => [...ids()].filter((id) => id.startsWith(prefix)).length
    await waitFor(
      () => count('people:') === COUNT && count('orders:') === COUNT / 3 && bookmark(dataDir) === COUNT,
      'every person and order delivered',
      180_000,
    )
    await waitFor(
      () => [...ids()].filter((id) => id.startsWith('sdk-')).length === 200,
      'every SDK event',
      60_000,
    )
    const delivered = ids()
    const expectedPeople = Array.from({ length: COUNT }, (_, i) => i + 1)
    const peopleIds = [...delivered]
      .filter((id) => id.startsWith('people:'))
      .map((id) => Number(id.split(':')[1]))
      .sort((a, b) => a - b)
    expect(peopleIds).toEqual(expectedPeople)
    expect([...delivered].filter((id) => id.startsWith('orders:')).length).toBe(COUNT / 3)
  }, 400_000)
})
