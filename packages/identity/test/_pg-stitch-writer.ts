/**
 * Child process of postgres.test.ts: one of several writers stitching into one identity graph
 * in PostgreSQL (`argv[2]` the URL, `argv[3]` the schema, `argv[4]` this writer's number),
 * batches of `writerBatch(writer, round)` forever, printing each round once its write
 * committed. The test kills the writers with SIGKILL mid-stream.
 */
import { openIdentityGraph, openPostgresIdentityStore } from '../src/index.ts'
import { WRITER_SETTINGS, writerBatch } from './_writer-batches.ts'

const [url, schema, writer] = process.argv.slice(2) as [string, string, string]
const graph = await openIdentityGraph({
  store: await openPostgresIdentityStore({ url, schema }),
  settings: WRITER_SETTINGS,
})
for (let round = 0; ; round++) {
  await graph.stitch(writerBatch(Number(writer), round))
  process.stdout.write(`${round}\n`)
}
