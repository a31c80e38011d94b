// gateway.store.cycle.*: what the SQLite store costs per event on the gateway's path, without
// HTTP or delivery: 8 appends of 100 (one group commit), readPending, commitProcessed with one
// job per event referencing it (ordered by user), 8 claims of 100, 8 completes. CPU per event
// is the figure load barely moves; wall time is reported beside it.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defineBench } from '../../../test/bench/_harness.ts'
import { openSqliteStore } from '../src/store/index.ts'
import { BATCH, event } from './_bodies.ts'

const ROUNDS = 150
const CALLS = 8

async function cycle(): Promise<{ cpu: number; wall: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'pb-bench-store-'))
  const store = openSqliteStore({ dir })
  let b = 0
  const run = async () => {
    await Promise.all(
      Array.from({ length: CALLS }, () => {
        const events = Array.from({ length: BATCH }, (_, i) => event(b, i))
        b++
        return store.append(
          events.map((e) => ({ sourceId: 'web', messageId: e.messageId, event: e, json: JSON.stringify(e) })),
        )
      }),
    )
    const pending = await store.readPending(CALLS * BATCH)
    await store.commitProcessed(
      pending.map((p) => p.seq),
      pending.map((p) => ({
        destinationId: 'receiver',
        orderKey: `u:${(p.event as { userId: string }).userId}`,
        messageId: p.messageId,
        eventSeq: p.seq,
      })),
      Date.now(),
    )
    for (let k = 0; k < CALLS; k++) {
      const jobs = await store.claim('receiver', { limit: BATCH, now: Date.now(), ordered: false })
      await store.complete(jobs.map((j) => j.id))
    }
  }
  try {
    for (let r = 0; r < 10; r++) await run()
    const cpu0 = process.cpuUsage()
    const start = performance.now()
    for (let r = 0; r < ROUNDS; r++) await run()
    const used = process.cpuUsage(cpu0)
    const n = ROUNDS * CALLS * BATCH
    return { cpu: (used.user + used.system) / n, wall: ((performance.now() - start) * 1000) / n }
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

let measured: { cpu: number; wall: number } | undefined

export default defineBench([
  {
    name: 'gateway.store.cycle.cpu',
    unit: 'µs/event',
    description:
      'CPU per event of the SQLite store alone: append (group commit of 8 x 100), read, process into one job per event, claim, complete (median of 3)',
    async measure() {
      const runs = [await cycle(), await cycle(), await cycle()].sort((x, y) => x.cpu - y.cpu)
      measured = runs[1]
      return measured!.cpu
    },
  },
  {
    name: 'gateway.store.cycle.wall',
    unit: 'µs/event',
    description: 'wall time per event of the same cycle (the run whose CPU was the median)',
    measure: () => measured!.wall,
  },
])
