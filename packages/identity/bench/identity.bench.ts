import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { defineBench, measureRate } from '../../../test/bench/_harness.ts'
import {
  type IdentityGraph,
  identityStage,
  openIdentityGraph,
  openPostgresIdentityStore,
  openSqliteIdentityStore,
} from '../src/index.ts'
import { createTestDatabase } from '../test/_postgres.ts'

/** 250,000 people with a userId, an email and two anonymousIds each: 1M identifiers. */
const PEOPLE = 250_000
const BATCH = 100
const T0 = Date.UTC(2026, 10, 1)

function person(i: number, k: number, minute: number) {
  return {
    type: 'identify',
    messageId: `m-${i}-${k}-${minute}`,
    timestamp: new Date(T0 + minute * 60_000).toISOString(),
    userId: `user-${i}`,
    anonymousId: `anon-${i}-${k}`,
    traits: { email: `person${i}@example.com` },
  }
}

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

let graph: IdentityGraph | undefined
let dir = ''
let heapPerMillion = 0

async function built(): Promise<IdentityGraph> {
  if (graph) return graph
  dir = mkdtempSync(path.join(tmpdir(), 'pb-identity-bench-'))
  gc()
  const before = process.memoryUsage().heapUsed
  graph = await openIdentityGraph({ store: openSqliteIdentityStore({ dir }) })
  for (let start = 0; start < PEOPLE; start += 1000) {
    const events = []
    for (let i = start; i < start + 1000; i++) events.push(person(i, 0, 0), person(i, 1, 1))
    await graph.stitch(events)
  }
  gc()
  const stats = await graph.stats({ largest: 1 })
  if (stats.identifiers !== 4 * PEOPLE || stats.people !== PEOPLE)
    throw new Error(`bench graph: ${stats.identifiers} identifiers, ${stats.people} people`)
  heapPerMillion = ((process.memoryUsage().heapUsed - before) / stats.identifiers) * 1e6
  return graph
}

export default defineBench([
  {
    name: 'identity.resolve',
    unit: 'events/s',
    description:
      'the stitching stage (identityStage.run: extract, look up, stamp context.patchbay.canonicalId) over known people, batches of 100, graph of 1M identifiers',
    goal: { op: '>=', value: 50_000 },
    async measure() {
      const stage = identityStage(await built())
      let n = 0
      const batches = Array.from({ length: 100 }, () =>
        Array.from({ length: BATCH }, () => {
          const i = (n++ * 7919) % PEOPLE
          return person(i, n % 2, 5)
        }),
      )
      let b = 0
      return measureRate(async () => {
        const out = await stage.run(batches[b++ % batches.length] as never)
        return out.length
      })
    },
  },
  {
    name: 'identity.resolve.pg',
    unit: 'events/s',
    description:
      "identity.resolve on the PostgreSQL store (the graph several gateway nodes share): each batch of 100 is one transaction (advisory lock, read of other nodes' writes, commit); 100k identifiers",
    async measure() {
      const database = await createTestDatabase('bench')
      try {
        const g = await openIdentityGraph({ store: await openPostgresIdentityStore({ url: database.url }) })
        const people = 25_000
        for (let start = 0; start < people; start += 1000) {
          const events = []
          for (let i = start; i < start + 1000; i++) events.push(person(i, 0, 0), person(i, 1, 1))
          await g.stitch(events)
        }
        const stage = identityStage(g)
        let n = 0
        const batches = Array.from({ length: 100 }, () =>
          Array.from({ length: BATCH }, () => {
            const i = (n++ * 7919) % people
            return person(i, n % 2, 5)
          }),
        )
        let b = 0
        const rate = await measureRate(async () => {
          const out = await stage.run(batches[b++ % batches.length] as never)
          return out.length
        })
        await g.close()
        return rate
      } finally {
        await database.drop()
      }
    },
  },
  {
    name: 'identity.stitch.new',
    unit: 'events/s',
    description:
      'events that add a new anonymousId to a known person (a write per batch of 100, SQLite, synchronous=FULL)',
    async measure() {
      const g = await built()
      let n = 0
      return measureRate(async () => {
        const events = Array.from({ length: BATCH }, () => {
          const i = (n * 7919) % PEOPLE
          return { ...person(i, 2, 6), anonymousId: `late-${n++}` }
        })
        await g.stitch(events)
        return BATCH
      })
    },
  },
  {
    name: 'identity.memory.per_million',
    unit: 'MB',
    description:
      'JS heap of the in-memory graph per million identifiers (userId, email, 2 anonymousIds per person)',
    async measure() {
      await built()
      return heapPerMillion / 1e6
    },
  },
  {
    name: 'identity.disk.per_million',
    unit: 'MB',
    description: 'identity.db size per million identifiers (nodes, links, indexes; after a WAL checkpoint)',
    async measure() {
      const g = await built()
      const identifiers = (await g.stats({ largest: 0 })).identifiers
      await g.close()
      graph = undefined
      const bytes = statSync(path.join(dir, 'identity.db')).size
      rmSync(dir, { recursive: true, force: true })
      return ((bytes / identifiers) * 1e6) / 1e6
    },
  },
])
