/**
 * Child process of crash.test.ts: stitches batches of 20 events into the SQLite identity
 * graph in `argv[2]` forever, and prints each batch's round once its commit resolved. The
 * events arrive out of time order and share devices, so batches merge people, re-run
 * components and reject merges. The test kills it with SIGKILL mid-stream.
 */
import { openIdentityGraph, openSqliteIdentityStore } from '../src/index.ts'

const graph = await openIdentityGraph({ store: openSqliteIdentityStore({ dir: process.argv[2]! }) })
for (let round = 0; ; round++) {
  const events = Array.from({ length: 20 }, (_, k) => {
    const n = round * 20 + k
    return {
      type: 'identify',
      messageId: `m-${n}`,
      timestamp: new Date(Date.UTC(2026, 10, 1) + ((n * 7919) % 100_000) * 60_000).toISOString(),
      anonymousId: `anon-${round}-${k}`,
      userId: `user-${(round * 7 + k) % 50}`,
      context: { device: { id: `dev-${k % 5}` } },
    }
  })
  await graph.stitch(events)
  process.stdout.write(`${round}\n`)
}
