import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { checkIdentityStore, openIdentityGraph, openSqliteIdentityStore } from '../src/index.ts'
import { tempDir } from './_helpers.ts'

const writer = fileURLToPath(new URL('./_stitch-writer.ts', import.meta.url))
const cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

describe('SIGKILL during merges', () => {
  it('leaves a consistent graph holding every acknowledged batch whole, and no half batch', async () => {
    const { dir, remove } = tempDir()
    cleanups.push(remove)
    const child = spawn(process.execPath, ['--conditions=@patchbay/source', writer, dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      if (stdout.split('\n').length > 25) child.kill('SIGKILL')
    })
    const safety = setTimeout(() => child.kill('SIGKILL'), 60_000)
    const [, signal] = await once(child, 'exit')
    clearTimeout(safety)
    expect({ signal, stderr }).toEqual({ signal: 'SIGKILL', stderr: '' })
    const acknowledged = stdout.split('\n').slice(0, -1).map(Number)
    expect(acknowledged.length).toBeGreaterThanOrEqual(25)

    // The stored canonical ids and link statuses are exactly what a recomputation from the stored links gives.
    const check = await checkIdentityStore(openSqliteIdentityStore({ dir, readOnly: true }))
    expect(check).toEqual({ identifiers: check.identifiers, nodes: 0, edges: 0 })

    const store = openSqliteIdentityStore({ dir })
    const { nodes } = await store.load()
    const perRound = new Map<number, number>()
    for (const node of nodes) {
      const round = /^anon-(\d+)-\d+$/.exec(node.value)
      if (node.type === 'anonymousId' && round)
        perRound.set(Number(round[1]), (perRound.get(Number(round[1])) ?? 0) + 1)
    }
    // Each batch is in the graph whole or not at all, and every acknowledged one is there.
    expect([...perRound.values()].filter((n) => n !== 20)).toEqual([])
    expect(acknowledged.filter((round) => !perRound.has(round))).toEqual([])

    // The graph opens, and merges went on: the people are far fewer than the identifiers.
    const graph = await openIdentityGraph({ store })
    const stats = await graph.stats()
    expect(stats.people).toBeLessThan(stats.identifiers / 5)
    expect(stats.merges).toBeGreaterThan(0)
    await graph.close()
  }, 90_000)
})
