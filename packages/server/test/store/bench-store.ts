/**
 * Rough figures for the SQLite store, printed, never asserted:
 *   node packages/server/test/store/bench-store.ts
 * - append: 100k events in calls of 100, `concurrency` calls at a time (one group commit each round);
 * - claim with 100k jobs queued (1,000 order keys), ordered and unordered, claiming 100 and
 *   completing them each time.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type NewJob, openSqliteStore } from '../../src/store/index.ts'

const TOTAL = 100_000
const PER_CALL = 100

function withStore<T>(run: (store: ReturnType<typeof openSqliteStore>) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-store-bench-'))
  const store = openSqliteStore({ dir })
  return run(store).finally(async () => {
    await store.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })
}

async function appendThroughput(concurrency: number): Promise<void> {
  await withStore(async (store) => {
    const calls = TOTAL / PER_CALL
    const started = performance.now()
    for (let call = 0; call < calls; call += concurrency)
      await Promise.all(
        Array.from({ length: concurrency }, (_, c) =>
          store.append(
            Array.from({ length: PER_CALL }, (_, e) => ({
              sourceId: 'bench',
              messageId: `${call + c}-${e}`,
              event: { type: 'track', event: 'Order Completed', properties: { total: e, currency: 'EUR' } },
            })),
          ),
        ),
      )
    const seconds = (performance.now() - started) / 1000
    console.log(
      `append: ${TOTAL} events, calls of ${PER_CALL}, ${concurrency} concurrent calls (${calls / concurrency} commits): ${Math.round(TOTAL / seconds).toLocaleString('en')} events/s`,
    )
  })
}

async function claimSpeed(ordered: boolean): Promise<void> {
  await withStore(async (store) => {
    for (let start = 0; start < TOTAL; start += 10_000) {
      const jobs: NewJob[] = Array.from({ length: 10_000 }, (_, i) => ({
        destinationId: 'crm',
        orderKey: `user-${(start + i) % 1000}`,
        messageId: `m${start + i}`,
        payload: { n: start + i },
      }))
      await store.commitProcessed([], jobs, 1000)
    }
    const rounds = 100
    const started = performance.now()
    for (let round = 0; round < rounds; round++) {
      const claimed = await store.claim('crm', { limit: 100, now: 1000, ordered })
      await store.complete(claimed.map((job) => job.id))
    }
    const ms = (performance.now() - started) / rounds
    console.log(
      `claim ${ordered ? 'ordered' : 'unordered'} 100 + complete, ${TOTAL} jobs queued: ${ms.toFixed(2)} ms per round`,
    )
  })
}

for (const concurrency of [100, 10, 1]) await appendThroughput(concurrency)
await claimSpeed(false)
await claimSpeed(true)
