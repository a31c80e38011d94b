/**
 * Child process of crash.test.ts: appends events to the store in `argv[2]` forever, four
 * concurrent calls of ten at a time, and prints the message ids of each call on one line
 * once that call is acknowledged. The test kills it with SIGKILL mid-stream.
 */
import { openSqliteStore } from '../../src/store/index.ts'

const store = openSqliteStore({ dir: process.argv[2]! })
for (let round = 0; ; round++) {
  await Promise.all(
    [0, 1, 2, 3].map(async (call) => {
      const ids = Array.from({ length: 10 }, (_, i) => `r${round}-c${call}-e${i}`)
      await store.append(ids.map((messageId) => ({ sourceId: 'crash', messageId, event: { messageId } })))
      process.stdout.write(`${JSON.stringify(ids)}\n`)
    }),
  )
}
