// The baseline of gateway.e2e.delivered: core delivering the same events to the same
// receiver without a store, in its own process (pinned to the gateway's core by the bench).
// argv = receiver URL, `batched` or `single`. Prints `ready`, then for each `run <events>` line
// on stdin it parses the same /v1/batch bodies as the gateway gets and runs each batch through
// `pipeline.process` (validate, normalise, route, deliver), CLIENTS batches at a time, and
// prints `rate <events/s>` once every event of the round is delivered.
import { createInterface } from 'node:readline'
import { createPipeline, parsePipeline } from '@patchbay/core'
import { BATCH, bodies, CLIENTS, pipelineYaml } from './_bodies.ts'

const [receiverUrl, mode] = process.argv.slice(2) as [string, string]
const base = new URL('..', import.meta.url).pathname
const pipeline = await createPipeline({
  ...parsePipeline(pipelineYaml(receiverUrl, mode === 'batched'), { file: `${base}pipeline.yaml` }),
  baseDir: base,
})

async function round(events: number): Promise<number> {
  let n = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (n < events / BATCH) {
        const { batch } = JSON.parse(bodies[n++ % bodies.length]!) as { batch: unknown[] }
        const outcomes = await pipeline.process(batch, { sourceId: 'web' })
        const failed = outcomes.find((o) => o.status !== 'delivered')
        if (failed) throw new Error(`the direct baseline did not deliver an event: ${JSON.stringify(failed)}`)
      }
    }),
  )
  return (events / (performance.now() - start)) * 1000
}

process.stdout.write('ready\n')
for await (const line of createInterface({ input: process.stdin }))
  if (line.startsWith('run ')) process.stdout.write(`rate ${await round(Number(line.slice(4)))}\n`)
await pipeline.close()
