import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import type { IdentitySettings } from '@patchbay/core'
import fc from 'fast-check'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  checkIdentityStore,
  createMemoryIdentityStore,
  type IdentityGraph,
  type IdentityStore,
  openIdentityGraph,
  openPostgresIdentityStore,
} from '../src/index.ts'
import { arbitraryEvent, run, settings, toEvent, view } from './_history.ts'
import { createTestDatabase } from './_postgres.ts'
import { WRITER_SETTINGS, writerBatch } from './_writer-batches.ts'

let database: Awaited<ReturnType<typeof createTestDatabase>>
const open: Array<{ close(): Promise<void> }> = []
beforeAll(async () => {
  database = await createTestDatabase('pg')
})
afterAll(async () => {
  for (const o of open.splice(0)) await o.close().catch(() => {})
  await database?.drop()
})

async function store(schema: string, readOnly = false): Promise<IdentityStore> {
  const s = await openPostgresIdentityStore({ url: database.url, schema, readOnly })
  open.push(s)
  return s
}
async function graphOn(schema: string, identity: IdentitySettings = settings): Promise<IdentityGraph> {
  const graph = await openIdentityGraph({ store: await store(schema), settings: identity })
  open.push(graph)
  return graph
}

describe('the identity graph in PostgreSQL, shared by several nodes', () => {
  it('two nodes stitching their shares of a history concurrently end with the partition one graph computes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbitraryEvent, { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(1), { maxLength: 30 }),
        fc.integer({ min: 1, max: 4 }),
        async (drawn, owners, batch) => {
          const events = drawn.map(toEvent)
          const alone = await run(events, [events.length])
          const schema = database.schema()
          const nodes = [await graphOn(schema), await graphOn(schema)]
          await Promise.all(
            nodes.map(async (graph, w) => {
              const mine = events.filter((_, i) => (owners[i] ?? 0) === w)
              for (let at = 0; at < mine.length; at += batch) await graph.stitch(mine.slice(at, at + batch))
            }),
          )
          for (const graph of nodes) {
            await graph.stats() // takes in the other node's writes
            expect(await view(graph)).toEqual(alone.view)
          }
          // A node opening afterwards reads the same graph, and the stored canonical ids need no repair.
          expect(await view(await graphOn(schema))).toEqual(alone.view)
          const check = await checkIdentityStore(await store(schema, true), settings)
          expect(check).toEqual({ identifiers: check.identifiers, nodes: 0, edges: 0 })
        },
      ),
      { numRuns: 6 },
    )
  }, 60_000)

  it('SIGKILL of two writers in mid-stream leaves a consistent graph holding every acknowledged batch whole', async () => {
    const schema = database.schema()
    await (await store(schema)).close() // the tables exist before the writers race to stitch
    const writer = fileURLToPath(new URL('./_pg-stitch-writer.ts', import.meta.url))
    const acknowledged: number[][] = [[], []]
    const children = [0, 1].map((w) => {
      const child = spawn(
        process.execPath,
        ['--conditions=@patchbay/source', writer, database.url, schema, String(w)],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      )
      let stdout = ''
      let stderr = ''
      child.stderr.on('data', (chunk) => {
        stderr += chunk
      })
      child.stdout.on('data', (chunk) => {
        stdout += chunk
        const lines = stdout.split('\n')
        acknowledged[w] = lines.slice(0, -1).map(Number)
        // Writer 0 dies first; writer 1 goes on alone for a while, then dies too.
        if (w === 0 && acknowledged[0]!.length >= 8) child.kill('SIGKILL')
        if (
          w === 1 &&
          acknowledged[1]!.length >= 16 &&
          children[0]!.exitCode === null &&
          children[0]!.signalCode !== null
        )
          child.kill('SIGKILL')
      })
      const safety = setTimeout(() => child.kill('SIGKILL'), 60_000)
      const exited = once(child, 'exit').then(([code, signal]) => {
        clearTimeout(safety)
        return { code, signal, stderr }
      })
      return Object.assign(child, { result: exited })
    })
    const results = await Promise.all(children.map((c) => c.result))
    expect(results).toEqual([
      { code: null, signal: 'SIGKILL', stderr: '' },
      { code: null, signal: 'SIGKILL', stderr: '' },
    ])

    // The stored canonical ids and link statuses are what a recomputation from the stored links gives.
    const check = await checkIdentityStore(await store(schema, true), WRITER_SETTINGS)
    expect(check).toEqual({ identifiers: check.identifiers, nodes: 0, edges: 0 })

    // Each batch is there whole or not at all, and every acknowledged one is there.
    const { nodes } = await (await store(schema, true)).load()
    const batches = new Map<string, number>()
    for (const node of nodes) {
      const m = /^anon-(\d+)-(\d+)-\d+$/.exec(node.value)
      if (node.type === 'anonymousId' && m)
        batches.set(`${m[1]}-${m[2]}`, (batches.get(`${m[1]}-${m[2]}`) ?? 0) + 1)
    }
    expect([...batches.values()].filter((n) => n !== 20)).toEqual([])
    for (const w of [0, 1])
      expect(acknowledged[w]!.filter((round) => !batches.has(`${w}-${round}`))).toEqual([])
    expect(acknowledged[1]!.length).toBeGreaterThanOrEqual(16)

    // The graph both nodes left is the one a single graph computes from the batches it holds.
    const graph = await graphOn(schema, WRITER_SETTINGS)
    const alone = await openIdentityGraph({ store: createMemoryIdentityStore(), settings: WRITER_SETTINGS })
    for (const key of [...batches.keys()].sort()) {
      const [w, round] = key.split('-').map(Number) as [number, number]
      await alone.stitch(writerBatch(w, round))
    }
    const ids = nodes.map((n) => `${n.type}:${n.value}`)
    expect(ids.map((id) => graph.resolve(id))).toEqual(ids.map((id) => alone.resolve(id)))
    const stats = await graph.stats()
    expect(stats.people).toBeLessThan(stats.identifiers / 5)
    expect(stats.rejectedMerges).toBeGreaterThan(0)
  }, 90_000)

  it('refuses tables written by a newer Patchbay, and never prints the password', async () => {
    const schema = database.schema()
    await (await store(schema)).close()
    const client = new pg.Client({ connectionString: database.url })
    await client.connect()
    await client.query(`UPDATE ${schema}.identity_meta SET value = 99 WHERE key = 'schema_version'`)
    await client.end()
    await expect(store(schema)).rejects.toMatchObject({
      code: 'PB_IDENTITY_STORE',
      message: expect.stringMatching(/schema version 99; this Patchbay knows up to 1/),
    })
    const url = new URL(database.url)
    url.password = 'hunter2-secret'
    url.port = '1'
    const refused = await openPostgresIdentityStore({ url: url.toString() }).catch((e: Error) => e)
    expect(refused).toMatchObject({ code: 'PB_IDENTITY_STORE' })
    expect(String((refused as Error).message)).toContain('***')
    expect(String((refused as Error).message)).not.toContain('hunter2')
  })
})
