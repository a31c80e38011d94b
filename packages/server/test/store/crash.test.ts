import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { useStores } from './_helpers.ts'

const { open, tempDir } = useStores()
const writer = fileURLToPath(new URL('./_crash-writer.ts', import.meta.url))

describe('a crash', () => {
  it('loses no acknowledged event, and no call is half-stored', async () => {
    const dir = tempDir()
    const child = spawn(process.execPath, [writer, dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      // Kill mid-stream, while later calls are still being written.
      if (stdout.split('\n').length > 200) child.kill('SIGKILL')
    })
    const safety = setTimeout(() => child.kill('SIGKILL'), 15_000)
    const [, signal] = await once(child, 'exit')
    clearTimeout(safety)
    expect({ signal, stderr }).toEqual({ signal: 'SIGKILL', stderr: '' })

    // Only whole lines were acknowledged: a line cut by the kill is not.
    const calls: string[][] = stdout
      .split('\n')
      .slice(0, -1)
      .map((line) => JSON.parse(line))
    expect(calls.length).toBeGreaterThanOrEqual(200)

    const store = open({ dir }) // takes over the dead child's lock
    const stored = (await store.readPending(1_000_000)).map((e) => e.messageId)
    const kept = new Set(stored)
    expect(calls.flat().filter((id) => !kept.has(id))).toEqual([])
    // Every call the child made is stored whole or not at all.
    const perCall = new Map<string, number>()
    for (const id of stored) {
      const call = id.slice(0, id.lastIndexOf('-'))
      perCall.set(call, (perCall.get(call) ?? 0) + 1)
    }
    expect([...perCall.values()].filter((n) => n !== 10)).toEqual([])
    expect((await store.stats()).pendingEvents).toBe(stored.length)
  })
})
